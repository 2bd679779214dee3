package com.fmawsss.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The page's files work offline: no address outside the service, and every local reference exists. */
class StaticPageFilesTest {

    static final Path STATIC = Path.of("src/main/resources/static");
    static final Pattern EXTERNAL = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}");
    static final Pattern HTML_REFERENCE = Pattern.compile("(?:src|href|data-src)=\"([^\"#:]+)\"");
    static final Pattern JS_IMPORT = Pattern.compile("(?:from|import\\()\\s*'\\./([^']+)'");

    static List<Path> textFiles() throws IOException {
        try (Stream<Path> files = Files.walk(STATIC)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().matches(".*\\.(html|js|css|svg)$")).sorted().toList();
        }
    }

    @Test
    void nothingIsLoadedFromOutsideTheService() throws IOException {
        List<String> external = new ArrayList<>();
        for (Path file : textFiles()) {
            String text = Files.readString(file);
            Matcher m = EXTERNAL.matcher(text);
            while (m.find()) {
                // The SVG namespace is an identifier, never fetched.
                if (!m.group().equals("http://www.w3.org")) {
                    external.add(file.getFileName() + ": " + m.group());
                }
            }
        }
        assertThat(external).isEmpty();
    }

    @Test
    void everyLocalReferenceExists() throws IOException {
        List<String> references = new ArrayList<>();
        Matcher html = HTML_REFERENCE.matcher(Files.readString(STATIC.resolve("index.html")));
        while (html.find()) {
            references.add(html.group(1));
        }
        for (Path file : textFiles()) {
            if (file.toString().endsWith(".js")) {
                Matcher js = JS_IMPORT.matcher(Files.readString(file));
                while (js.find()) {
                    references.add(js.group(1));
                }
            }
        }
        assertThat(references).contains("app.js", "style.css", "samples/chelsea.jpg", "api.js", "npz.js");
        for (String reference : references) {
            if (reference.equals("swagger-ui.html")) {
                continue; // served by springdoc
            }
            assertThat(STATIC.resolve(reference)).as(reference).isRegularFile();
        }
    }
}
