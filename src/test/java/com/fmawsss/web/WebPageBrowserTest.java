package com.fmawsss.web;

import com.fmawsss.masks.CocoRleCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fmawsss.api.Multipart;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.io.Sha256;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.tensors.Npz;
import com.fmawsss.tensors.NpyArray;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The page at {@code /} in headless Chromium against the app with the demo bundle: the overlay's
 * pixels against the API's label map for the same request, per-class hiding, CAMs and
 * superpixels against Java decodings, problems as messages, labels and keyboard reach, phone
 * width, the jobs view, and no console errors. Skipped when chromium/chromedriver are missing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebPageBrowserTest {

    static final String TOKEN = "web-page-test-token";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    static final Path PHOTO = Path.of("src/test/resources/photos/chelsea.jpg");

    static HeadlessChromium chromium;
    static ChromeDriver driver;
    static Path dataRoot;

    @LocalServerPort int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Path state = Files.createTempDirectory("fma-web-state-");
        dataRoot = Files.createTempDirectory("fma-web-data-");
        registry.add("fma.state.dir", state::toString);
        registry.add("fma.data.roots", dataRoot::toString);
        registry.add("fma.admin.token", () -> TOKEN);
    }

    @BeforeAll
    static void startBrowser() throws Exception {
        if (HeadlessChromium.installed()) {
            chromium = HeadlessChromium.start();
            driver = chromium.driver;
        }
    }

    @BeforeEach
    void needsTheBrowser() {
        // Per test, so that reports count each skipped test.
        assumeTrue(driver != null, "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    @AfterEach
    void noConsoleErrors() {
        if (driver != null) {
            assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage).isEmpty();
            driver.manage().window().setSize(new Dimension(1280, 1000));
        }
    }

    // ---- the overlay ---------------------------------------------------------------------------

    @Test
    void overlayPixelsAreTheApiLabelMapAndHiddenClassesDisappear() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        List<String> classes = classesWithPixels(photo);
        LabelMap expected = LabelMapPng.decode(apiPng(photo, classes), ImageLimits.defaults());
        BufferedImage palette = ImageIO.read(new ByteArrayInputStream(apiPng(photo, classes)));

        open();
        upload(PHOTO);
        enterClasses(classes);
        runAndWaitFor("done");

        Canvas overlay = labelLayer();
        assertThat(overlayMismatches(overlay, expected, palette)).as("pixels unlike the API's label map").isEmpty();
        assertThat(java.util.Arrays.stream(expected.labels()).filter(l -> l > 0).count()).isPositive();
        List<String> wrong = new ArrayList<>();

        int hidden = mostFrequentLabel(expected);
        driver.findElement(By.id("legend-" + hidden)).click();
        Canvas after = labelLayer();
        for (int y = 0; y < expected.height(); y++) {
            for (int x = 0; x < expected.width(); x++) {
                int label = expected.at(x, y);
                boolean visible = label != 0 && label != hidden;
                boolean right = visible ? after.alpha(x, y) == 255 && after.rgb(x, y) == overlay.rgb(x, y) : after.alpha(x, y) == 0;
                if (!right && wrong.size() < 20) {
                    wrong.add("(" + x + "," + y + ") class " + label);
                }
            }
        }
        assertThat(wrong).as("pixels wrong with class %d hidden", hidden).isEmpty();
        // The class under the pointer is the API's label there.
        int[] at = firstPixelOf(expected, hidden);
        String name = classes.get(hidden - 1);
        hoverPixel(at[0], at[1], expected.width());
        assertThat(text("pointer-readout")).contains(name);
        assertThat(requestUrls()).as("the page asked for asynchronous processing and polled").anyMatch(u -> u.contains("/v1/requests/"));
        assertThat(driver.findElements(By.cssSelector("#timings tbody tr"))).isNotEmpty();
        assertThat(text("metadata-summary")).contains("manual-voc").contains("demo: random weights");
        assertThat(driver.findElement(By.id("demo-banner")).isDisplayed()).isTrue();
    }

    @Test
    void problemsAreShownAsReadableMessages() throws Exception {
        Path notes = Files.createTempFile("notes-", ".txt");
        Files.writeString(notes, "these are notes, not a photo\n");
        HttpResponse<byte[]> api = new Multipart().file("image", notes.getFileName().toString(), "text/plain", Files.readAllBytes(notes))
                .field("classes", "cat").post(port, "/v1/masks", null);
        JsonNode problem = JSON.readTree(new String(api.body(), StandardCharsets.UTF_8));
        assertThat(api.statusCode()).isEqualTo(415);

        open();
        upload(notes);
        waitFor(d -> "no-preview".equals(resultState()));
        enterClasses(List.of("cat"));
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage).isEmpty();
        runAndWaitFor("error");

        WebElement message = driver.findElement(By.id("message"));
        assertThat(message.isDisplayed()).isTrue();
        assertThat(message.getAttribute("role")).isEqualTo("alert");
        assertThat(message.getText()).contains(problem.path("title").asString()).contains(problem.path("detail").asString())
                .contains("415");
        // The browser reports the refused upload as a failed resource load, and nothing else.
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage)
                .allMatch(m -> m.contains("/v1/masks") && m.contains("415"));

        // A page-side check: no classes, no request.
        driver.findElement(By.cssSelector("#chips button")).click();
        driver.findElement(By.id("run-button")).click();
        assertThat(text("message")).contains("Add at least one class name");
        assertThat(driver.switchTo().activeElement().getAttribute("id")).isEqualTo("class-input");
    }

    @Test
    void aLabelPngIsRefinedLikeTheApiDoesIt() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        int width = 451;
        int height = 300;
        int[] labels = new int[width * height];
        for (int p = 0; p < labels.length; p++) {
            labels[p] = p % width < width / 3 ? 1 : p % width < 2 * width / 3 ? 0 : 2; // left: sky, right: road
        }
        Path seeds = Files.createTempFile("seeds-", ".png");
        Files.write(seeds, LabelMapPng.encode(labels, width, height));
        byte[] png = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo)
                .file("labels", "seeds.png", "image/png", Files.readAllBytes(seeds))
                .field("classes", "sky").field("classes", "road").field("alpha", "0.7").post(port, "/v1/refine", "image/png").body();
        LabelMap expected = LabelMapPng.decode(png, ImageLimits.defaults());

        open();
        driver.findElement(By.id("mode-refine")).click();
        upload(PHOTO);
        driver.findElement(By.id("scores-input")).sendKeys(seeds.toAbsolutePath().toString());
        enterClasses(List.of("sky", "road"));
        runAndWaitFor("done");
        assertThat(overlayMismatches(labelLayer(), expected, ImageIO.read(new ByteArrayInputStream(png)))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#legend li"))).hasSize(2);
    }

    @Test
    void overloadAnswersSayWhenToRetry() {
        open();
        @SuppressWarnings("unchecked")
        List<String> texts = (List<String>) ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/api.js').then((api) => {
                  const busy = new api.ProblemError({title: 'Queue full', detail: 'The inference queue is full.'}, 429, 12);
                  const late = new api.ProblemError({title: 'Timeout'}, 503, api.retryAfterSeconds(
                      new Date(Date.now() + 30000).toUTCString()));
                  done([busy, late].map((e) => { const d = api.describeProblem(e); return d.title + ': ' + d.detail; }));
                });
                """);
        assertThat(texts.get(0)).isEqualTo("Queue full: The inference queue is full. The service is busy: try again in 12 s.");
        // An HTTP date 30 s ahead (whole seconds) is 29 to 30 s away.
        assertThat(texts.get(1)).matches("Timeout: The service is busy: try again in (29|30) s\\.");
    }

    @Test
    void cancellingARunningRequestCancelsItOnTheService() throws Exception {
        // A photo the superpixel cache has not seen, and the densest grid, so that the run lasts.
        java.util.Random random = new java.util.Random(19);
        BufferedImage noise = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        Path image = Files.createTempFile("noise-", ".png");
        ImageIO.write(noise, "png", image.toFile());

        open();
        upload(image);
        enterClasses(List.of("cat"));
        driver.findElement(By.cssSelector("details.advanced summary")).click();
        driver.findElement(By.id("grid-input")).sendKeys("64");
        driver.findElement(By.id("run-button")).click();
        // Running, and the service has answered 202 with the request's location (a stage is shown).
        waitFor(d -> text("progress-text").contains("("));
        String location = requestUrls().stream().filter(u -> u.contains("/v1/requests/")).findFirst().orElseThrow();
        driver.findElement(By.id("cancel-button")).click();
        waitFor(d -> "error".equals(resultState()));
        assertThat(text("message")).contains("Cancelled");
        assertThat(driver.findElement(By.id("run-button")).isEnabled()).isTrue();

        String status = URI.create(location).getPath() + "/status";
        new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> call(() -> JSON.readTree(admin("GET", status, null).body())
                .path("state").asString().equals("cancelled")));
        // The cancelled work stops at its next stage or point batch; until then the service refuses
        // synchronous requests as busy. Leave it idle for the other tests.
        byte[] photo = Files.readAllBytes(PHOTO);
        new WebDriverWait(driver, RUN_TIMEOUT).pollingEvery(Duration.ofSeconds(1)).until(d -> call(() -> new Multipart()
                .file("image", "chelsea.jpg", "image/jpeg", photo).field("classes", "cat").field("refine", "none")
                .post(port, "/v1/masks", null).statusCode() == 200));
    }

    static <T> T call(java.util.concurrent.Callable<T> callable) {
        try {
            return callable.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- debug outputs -------------------------------------------------------------------------

    @Test
    void seedsShowTheApisCamsAndSuperpixelBoundaries() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        List<String> labels = List.of("person", "bird");
        HttpResponse<byte[]> api = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo)
                .field("labels", "person").field("labels", "bird").field("include", "cams,superpixels").post(port, "/v1/seeds", null);
        assertThat(api.statusCode()).as(new String(api.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        JsonNode body = JSON.readTree(new String(api.body(), StandardCharsets.UTF_8));

        // The page's .npz reader (DEFLATE through DecompressionStream) against Java's.
        String cams = body.path("cams").asString();
        Map<String, NpyArray> expected = Npz.read(Base64.getDecoder().decode(cams), 10_000_000);
        open();
        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript("""
                const [text, done] = arguments;
                import('/npz.js').then(async (npz) => {
                  const arrays = await npz.readNpz(npz.base64Bytes(text).buffer);
                  const out = {};
                  for (const [name, a] of arrays) out[name] = {shape: a.shape, data: Array.from(a.data)};
                  done(out);
                }).catch((e) => done({error: String(e)}));
                """, cams);
        assertThat(decoded.keySet()).containsExactly("raw", "refined");
        for (String name : List.of("raw", "refined")) {
            NpyArray array = expected.get(name);
            @SuppressWarnings("unchecked")
            Map<String, Object> js = (Map<String, Object>) decoded.get(name);
            assertThat(((List<?>) js.get("shape")).stream().map(n -> ((Number) n).intValue()).toList())
                    .containsExactly(array.shape()[0], array.shape()[1], array.shape()[2]);
            float[] want = array.toFloatTensor().data();
            List<?> got = (List<?>) js.get("data");
            assertThat(got).hasSize(want.length);
            for (int i = 0; i < want.length; i++) {
                assertThat(((Number) got.get(i)).floatValue()).as("%s[%d]", name, i).isEqualTo(want[i]);
            }
        }

        driver.findElement(By.cssSelector("input[name=mode][value=seeds]")).click();
        upload(PHOTO);
        enterClasses(labels);
        runAndWaitFor("done");

        new Select(driver.findElement(By.id("heatmap-class"))).selectByVisibleText("bird");
        assertThat(driver.findElement(By.id("heatmap-layer")).isDisplayed()).isTrue();
        Canvas heatmap = canvas("heatmap-layer");
        assertThat(heatmap.opaquePixels()).isEqualTo(heatmap.width * heatmap.height);
        String screenshot = System.getProperty("fma.screenshot");
        if (screenshot != null && !screenshot.isBlank()) {
            hoverPixel(body.path("width").asInt() / 2, body.path("height").asInt() / 2, body.path("width").asInt());
            saveScreenshot(Path.of(screenshot));
        }

        // Boundaries: every 4-neighbour edge pixel of every superpixel, decoded here from the same RLEs.
        driver.findElement(By.id("boundaries-on")).click();
        Set<Integer> edges = new HashSet<>();
        int width = body.path("width").asInt();
        int height = body.path("height").asInt();
        for (JsonNode sp : body.path("superpixels")) {
            boolean[] mask = CocoRleCodec.decompress(sp.path("rle").path("counts").asString(), height, width).decodeRowMajor();
            for (int p = 0; p < mask.length; p++) {
                int x = p % width;
                int y = p / width;
                if (mask[p] && (x == 0 || y == 0 || x == width - 1 || y == height - 1
                        || !mask[p - 1] || !mask[p + 1] || !mask[p - width] || !mask[p + width])) {
                    edges.add(p);
                }
            }
        }
        Canvas boundaries = canvas("boundary-layer");
        Set<Integer> drawn = new HashSet<>();
        for (int p = 0; p < width * height; p++) {
            if (boundaries.alpha(p % width, p / width) > 0) {
                drawn.add(p);
            }
        }
        assertThat(edges).isNotEmpty();
        assertThat(drawn).isEqualTo(edges);
        assertThat(text("boundary-note")).startsWith(body.path("superpixels").size() + " quasi-superpixels");
    }

    // ---- click to segment ----------------------------------------------------------------------

    @Test
    void clicksShowTheApisMaskForPointsANegativePointAndABoxAndStaleClicksAreCancelled() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        List<String> classes = List.of("cat", "sofa");
        int[] at = pixelWithAMask(photo);
        openClickMode();
        enterClasses(classes);
        recordSegmentRequests();

        // The first click sends the image and waits asynchronously (the encoder pass).
        clickPixel(at[0], at[1], false);
        JsonNode first = awaitClicks(1, 1);
        assertThat(first.path("image").asBoolean()).isTrue();
        assertThat(first.path("imageSha256").isNull()).isTrue();
        assertThat(first.path("prefer").asString()).isEqualTo("respond-async");
        assertThat(first.path("classes")).extracting(JsonNode::asString).containsExactlyElementsOf(classes);
        JsonNode points = JSON.readTree(first.path("points").asString());
        assertThat(points).hasSize(1);
        assertThat(points.get(0).get(0).asDouble()).isCloseTo(at[0] + 0.5, within(1.0));
        assertThat(points.get(0).get(1).asDouble()).isCloseTo(at[1] + 0.5, within(1.0));
        assertThat(points.get(0).get(2).asInt()).isEqualTo(1);
        JsonNode answer = apiSegments(photo, null, first, classes);
        assertThat(mask(answer)).as("a mask that is neither empty nor everything").contains(true, false);
        assertThat(maskLayerMismatches(answer)).as("mask pixels unlike the API's").isEmpty();
        String sha = answer.path("image").path("sha256").asString();
        assertThat(sha).isEqualTo(Sha256.hex(photo));
        // The proposal and SAM's scores, as the API gives them for the same clicks.
        JsonNode proposal = answer.path("proposal");
        java.util.regex.Matcher shown = java.util.regex.Pattern.compile("^(\\S+) (\\d+\\.\\d\\d)").matcher(text("click-proposal"));
        assertThat(shown.find()).as(text("click-proposal")).isTrue();
        boolean background = !proposal.path("class").isString();
        assertThat(shown.group(1)).isEqualTo(background ? "background" : proposal.path("class").asString());
        assertThat(Double.parseDouble(shown.group(2)))
                .isCloseTo(proposal.path(background ? "background" : "score").asDouble(), within(0.0051));
        java.util.regex.Matcher iou = java.util.regex.Pattern.compile("predicted IoU (\\d+\\.\\d{3})").matcher(text("click-sam"));
        assertThat(iou.find()).as(text("click-sam")).isTrue();
        assertThat(Double.parseDouble(iou.group(1))).isCloseTo(answer.path("predictedIou").asDouble(), within(0.00051));
        assertThat(text("click-sam")).contains(String.format(java.util.Locale.ROOT, "%,d pixels", answer.path("area").asLong()));

        // Shift-click: a negative point; the image is named by its hash and the answer comes directly.
        clickPixel(at[0] + 60 < 451 ? at[0] + 60 : at[0] - 60, at[1], true);
        JsonNode second = awaitClicks(2, 2);
        assertThat(second.path("image").asBoolean()).isFalse();
        assertThat(second.path("imageSha256").asString()).isEqualTo(sha);
        assertThat(second.path("prefer").isNull()).isTrue();
        points = JSON.readTree(second.path("points").asString());
        assertThat(points).hasSize(2);
        assertThat(points.get(0).get(2).asInt()).isEqualTo(1);
        assertThat(points.get(1).get(2).asInt()).as("a shift-click is a negative point").isZero();
        assertThat(maskLayerMismatches(apiSegments(null, sha, second, classes))).isEmpty();

        // A drag: a box over the pixels dragged across, sent with the points.
        dragPixels(new int[] {40, 30}, new int[] {300, 240});
        JsonNode third = awaitClicks(3, 3);
        JsonNode box = JSON.readTree(third.path("box").asString());
        assertThat(box.get(0).asDouble()).isCloseTo(40, within(1.0));
        assertThat(box.get(1).asDouble()).isCloseTo(30, within(1.0));
        assertThat(box.get(2).asDouble()).isCloseTo(301, within(1.0));
        assertThat(box.get(3).asDouble()).isCloseTo(241, within(1.0));
        assertThat(JSON.readTree(third.path("points").asString())).hasSize(2);
        assertThat(maskLayerMismatches(apiSegments(null, sha, third, classes))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#click-marks .click-point.positive"))).hasSize(1);
        assertThat(driver.findElements(By.cssSelector("#click-marks .click-point.negative"))).hasSize(1);
        assertThat(driver.findElements(By.cssSelector("#click-marks .click-box"))).hasSize(1);

        // A click while the one before is still in flight (held back 3 s here): the stale request
        // is aborted, its answer never shown, and the mask is the one for every point.
        ((JavascriptExecutor) driver).executeScript("window.segmentDelays = [3000];");
        clickPixel(at[0], at[1] < 150 ? at[1] + 40 : at[1] - 40, false);
        clickPixel(20, 280, true);
        JsonNode latest = awaitClicks(5, 4);
        waitFor(d -> (Boolean) ((JavascriptExecutor) d).executeScript("return window.segmentCalls[3].settled;"));
        JsonNode calls = segmentCalls();
        assertThat(calls.get(3).path("aborted").asBoolean()).as("the stale click's request was aborted").isTrue();
        assertThat(calls.get(4).path("aborted").asBoolean()).isFalse();
        assertThat(driver.findElement(By.id("click-tools")).getAttribute("data-answers")).isEqualTo("4");
        assertThat(JSON.readTree(latest.path("points").asString())).hasSize(4);
        assertThat(maskLayerMismatches(apiSegments(null, sha, latest, classes))).isEmpty();
        assertThat(driver.findElement(By.id("click-message")).isDisplayed()).isFalse();
    }

    @Test
    void acceptedMasksBuildTheLabelMapUndoTakesThemBackAndTheDownloadsHoldIt() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        int width = 451;
        int height = 300;
        int[] at = pixelWithAMask(photo);
        Path downloads = Files.createTempDirectory("fma-web-downloads-");
        driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        openClickMode();
        recordSegmentRequests();

        clickPixel(at[0], at[1], false);
        JsonNode call = awaitClicks(1, 1);
        JsonNode answer = apiSegments(photo, null, call, List.of());
        String sha = answer.path("image").path("sha256").asString();
        boolean[] first = mask(answer);
        assertThat(first).contains(true, false);
        // No class typed: the choice is the vocabulary (VOC: label i is the i-th class), the proposal chosen.
        Select choice = new Select(driver.findElement(By.id("click-class")));
        assertThat(choice.getOptions()).hasSize(20);
        if (answer.path("proposal").path("class").isString()) {
            assertThat(choice.getFirstSelectedOption().getText()).isEqualTo(answer.path("proposal").path("class").asString());
        }
        String firstClass = "sofa".equals(answer.path("proposal").path("class").asString()) ? "cat" : "sofa";
        int firstLabel = firstClass.equals("sofa") ? 18 : 8;
        choice.selectByValue(firstClass);
        driver.findElement(By.id("click-accept")).click();
        assertThat(layerMismatches(labelLayer(), p -> first[p] ? LabelMapPng.color(firstLabel) : -1))
                .as("the label map after accepting the mask as %s", firstClass).isEmpty();
        assertThat(canvas("mask-layer").opaquePixels()).isZero();
        assertThat(driver.findElements(By.cssSelector("#click-marks > *"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#legend li"))).singleElement()
                .satisfies(item -> assertThat(item.getText()).contains(firstClass));

        // The next object from the keyboard: the arrow keys move the cursor, Enter adds a point
        // there; with "Negative points" pressed (touch devices) a negative one.
        new Actions(driver).moveToElement(driver.findElement(By.id("result-title"))).perform();
        ((JavascriptExecutor) driver).executeScript("document.getElementById('viewer').focus();");
        java.util.regex.Matcher cursor = java.util.regex.Pattern.compile("^\\((\\d+), (\\d+)\\)").matcher(text("pointer-readout"));
        assertThat(cursor.find()).as(text("pointer-readout")).isTrue();
        int cx = Integer.parseInt(cursor.group(1));
        int cy = Integer.parseInt(cursor.group(2));
        new Actions(driver).sendKeys(Keys.ARROW_RIGHT, Keys.ENTER).perform();
        JsonNode keyed = awaitClicks(2, 2);
        assertThat(keyed.path("points").asString()).isEqualTo("[[" + (cx + 1.5) + "," + (cy + 0.5) + ",1]]");
        JsonNode keyedAnswer = apiSegments(null, sha, keyed, List.of());
        driver.findElement(By.id("click-negative")).click();
        assertThat(driver.findElement(By.id("click-negative")).getAttribute("aria-pressed")).isEqualTo("true");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('viewer').focus();");
        new Actions(driver).keyDown(Keys.SHIFT).sendKeys(Keys.ARROW_UP).keyUp(Keys.SHIFT).sendKeys(Keys.ENTER).perform();
        JsonNode negative = awaitClicks(3, 3);
        JsonNode points = JSON.readTree(negative.path("points").asString());
        assertThat(points.get(1).get(0).asDouble()).isEqualTo(cx + 1.5);
        assertThat(points.get(1).get(1).asDouble()).isEqualTo(cy - 10 + 0.5);
        assertThat(points.get(1).get(2).asInt()).as("a point with Negative points pressed").isZero();
        boolean[] second = mask(apiSegments(null, sha, negative, List.of()));
        assertThat(maskLayerMismatches(second)).isEmpty();
        String screenshot = System.getProperty("fma.screenshot.click");
        if (screenshot != null && !screenshot.isBlank()) {
            saveScreenshot(Path.of(screenshot));
        }
        new Select(driver.findElement(By.id("click-class"))).selectByValue("cat".equals(firstClass) ? "dog" : "cat");
        int secondLabel = "cat".equals(firstClass) ? 12 : 8;
        driver.findElement(By.id("click-accept")).click();
        // Painted in order: the later mask wins where they overlap.
        java.util.function.IntUnaryOperator both = p -> second[p] ? secondLabel : first[p] ? firstLabel : 0;
        assertThat(layerMismatches(labelLayer(), p -> both.applyAsInt(p) == 0 ? -1 : LabelMapPng.color(both.applyAsInt(p))))
                .isEmpty();

        // The downloads: the PNG is the label map in the service's format, the JSON its classes and masks.
        driver.findElement(By.id("download-png")).click();
        LabelMap png = LabelMapPng.decode(awaitDownload(downloads.resolve("chelsea-click.png")), ImageLimits.defaults());
        assertThat(png.width()).isEqualTo(width);
        for (int p = 0; p < width * height; p++) {
            assertThat(png.labels()[p]).as("PNG label at %d", p).isEqualTo(both.applyAsInt(p));
        }
        assertThat(text("status")).contains("0=background").contains(firstLabel + "=" + firstClass);
        driver.findElement(By.id("download-json")).click();
        JsonNode saved = JSON.readTree(awaitDownload(downloads.resolve("chelsea-click.json")));
        assertThat(saved.path("image").path("sha256").asString()).isEqualTo(sha);
        assertThat(saved.path("clicks")).hasSize(2);
        String secondClass = secondLabel == 8 ? "cat" : "dog";
        assertThat(saved.path("classes")).extracting(c -> c.path("index").asInt() + "=" + c.path("name").asString())
                .containsExactlyInAnyOrder("0=background", firstLabel + "=" + firstClass, secondLabel + "=" + secondClass);
        Set<Integer> present = new HashSet<>();
        for (int p = 0; p < width * height; p++) {
            if (both.applyAsInt(p) > 0) {
                present.add(both.applyAsInt(p));
            }
        }
        assertThat(saved.path("masks")).extracting(m -> m.path("index").asInt()).containsExactlyInAnyOrderElementsOf(present);
        for (JsonNode entry : saved.path("masks")) {
            int label = entry.path("index").asInt();
            boolean[] decoded = mask(entry.path("rle"), height, width);
            for (int p = 0; p < decoded.length; p++) {
                assertThat(decoded[p]).as("JSON mask %d at %d", label, p).isEqualTo(both.applyAsInt(p) == label);
            }
        }

        // Undo takes the last accepted mask out of the label map and shows it as the prompt's again,
        int calls = segmentCalls().size();
        driver.findElement(By.id("click-undo")).click();
        assertThat(layerMismatches(labelLayer(), p -> first[p] ? LabelMapPng.color(firstLabel) : -1)).isEmpty();
        assertThat(maskLayerMismatches(second)).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#click-marks .click-point"))).hasSize(2);
        // then removes the points one by one, showing the masks they had without asking again,
        driver.findElement(By.id("click-undo")).click();
        assertThat(maskLayerMismatches(mask(keyedAnswer))).isEmpty();
        driver.findElement(By.id("click-undo")).click();
        assertThat(canvas("mask-layer").opaquePixels()).isZero();
        assertThat(segmentCalls()).hasSize(calls);
        // and then the first accepted mask.
        driver.findElement(By.id("click-undo")).click();
        assertThat(labelLayer().opaquePixels()).isZero();
        assertThat(maskLayerMismatches(first)).isEmpty();
        driver.findElement(By.id("click-undo")).click();
        assertThat(canvas("mask-layer").opaquePixels()).isZero();
        assertThat(driver.findElement(By.id("click-undo")).isEnabled()).isFalse();
    }

    @Test
    void acceptedMasksArePaintedOverTheLabelMapShown() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        List<String> classes = classesWithPixels(photo);
        LabelMap run = LabelMapPng.decode(apiPng(photo, classes), ImageLimits.defaults());
        int[] at = pixelWithAMask(photo);
        open();
        upload(PHOTO);
        enterClasses(classes);
        runAndWaitFor("done");

        driver.findElement(By.id("mode-click")).click();
        recordSegmentRequests();
        clickPixel(at[0], at[1], false);
        boolean[] mask = mask(apiSegments(photo, null, awaitClicks(1, 1), classes));
        // The class keeps its label of the run's class table (the second class: 2).
        new Select(driver.findElement(By.id("click-class"))).selectByValue(classes.get(1));
        driver.findElement(By.id("click-accept")).click();
        int[] labels = run.labels();
        assertThat(layerMismatches(labelLayer(), p -> mask[p] ? LabelMapPng.color(2) : labels[p] == 0 ? -1 : LabelMapPng.color(labels[p])))
                .as("the mask painted over the run's label map").isEmpty();
        assertThat(driver.findElements(By.cssSelector("#legend li"))).hasSize(2);
        // Undone, the run's label map is back.
        driver.findElement(By.id("click-undo")).click();
        assertThat(overlayMismatches(labelLayer(), run, ImageIO.read(new ByteArrayInputStream(apiPng(photo, classes))))).isEmpty();
    }

    @Test
    void aClickProblemIsShownAsAReadableMessageAtPhoneWidth() throws Exception {
        HttpResponse<byte[]> api = new Multipart().file("image", "chelsea.jpg", "image/jpeg", Files.readAllBytes(PHOTO))
                .field("points", "[[10, 10, 1]]").field("prompts", "no-such-version").post(port, "/v1/segments", null);
        assertThat(api.statusCode()).isEqualTo(422);
        JsonNode problem = JSON.readTree(new String(api.body(), StandardCharsets.UTF_8));

        driver.manage().window().setSize(new Dimension(390, 844));
        openClickMode();
        driver.findElement(By.cssSelector("details.advanced summary")).click();
        driver.findElement(By.id("prompts-input")).sendKeys("no-such-version");
        clickPixel(10, 10, false);
        waitFor(d -> "error".equals(d.findElement(By.id("click-tools")).getAttribute("data-state")));
        WebElement message = driver.findElement(By.id("click-message"));
        assertThat(message.getAttribute("role")).isEqualTo("alert");
        assertThat(message.getText()).contains(problem.path("title").asString()).contains(problem.path("detail").asString())
                .contains("422").contains("unknown-prompt-version");
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage)
                .allMatch(m -> m.contains("/v1/segments") && m.contains("422"));
        assertThat(driver.findElement(By.id("click-accept")).isEnabled()).isFalse();
        // At phone width, with the message shown: nothing scrolls sideways.
        assertThat(overflow()).isLessThanOrEqualTo(0L);
    }

    // ---- accessibility and layout --------------------------------------------------------------

    @Test
    void everyControlIsLabelledAndReachableByKeyboard() {
        open();
        @SuppressWarnings("unchecked")
        List<String> unlabelled = (List<String>) ((JavascriptExecutor) driver).executeScript("""
                const named = (e) => (e.getAttribute('aria-label') || '').trim()
                  || (e.getAttribute('aria-labelledby') || '').split(' ').some((id) => document.getElementById(id)?.textContent.trim())
                  || [...(e.labels || [])].some((l) => l.textContent.trim())
                  || (e.tagName === 'BUTTON' && e.textContent.trim());
                return [...document.querySelectorAll('input, select, textarea, button, progress, [tabindex]')]
                  .filter((e) => !named(e)).map((e) => e.outerHTML.slice(0, 120));
                """);
        assertThat(unlabelled).isEmpty();

        Set<String> reached = new LinkedHashSet<>();
        driver.findElement(By.tagName("body")).click();
        for (int i = 0; i < 60; i++) {
            new Actions(driver).sendKeys(Keys.TAB).perform();
            WebElement active = driver.switchTo().activeElement();
            String id = active.getAttribute("id");
            reached.add(id == null || id.isEmpty() ? active.getTagName() + ":" + active.getText() : id);
        }
        assertThat(reached).contains("image-input", "button:Cat", "mode-masks", "class-input", "refine-select", "run-button",
                "token-input");
    }

    @Test
    void aSamplePhotoRunsAtPhoneWidthWithoutSidewaysScrolling() {
        driver.manage().window().setSize(new Dimension(390, 844));
        open();
        assertThat(overflow()).isLessThanOrEqualTo(0L);
        driver.findElement(By.cssSelector("button.sample[data-src$='chelsea.jpg']")).click();
        waitFor(d -> "preview".equals(resultState()));
        assertThat(driver.findElements(By.cssSelector("#chips li"))).hasSize(2);
        new Select(driver.findElement(By.id("refine-select"))).selectByValue("none");
        runAndWaitFor("done");
        assertThat(driver.findElement(By.id("label-layer")).getSize().getWidth()).isLessThanOrEqualTo(390);
        // Without SAM the masks come with CAMs only.
        assertThat(driver.findElement(By.id("heatmap-controls")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("boundary-controls")).isDisplayed()).isFalse();
        assertThat(overflow()).isLessThanOrEqualTo(0L);
    }

    // ---- jobs view -----------------------------------------------------------------------------

    @Test
    void jobsViewIsReadOnlyWithoutTheTokenAndFollowsJobsWithIt() throws Exception {
        open();
        waitFor(d -> text("active-prompts").contains("manual-voc"));
        assertThat(driver.findElement(By.id("admin-views")).isDisplayed()).isFalse();

        useToken("wrong-token");
        waitFor(d -> driver.findElement(By.id("jobs-message")).isDisplayed());
        assertThat(text("jobs-message")).contains("not accepted");
        // The refused call is logged by the browser as a failed resource load, and nothing else.
        assertThat(chromium.consoleErrors()).extracting(LogEntry::getMessage).singleElement()
                .satisfies(m -> assertThat(m).contains("/v1/admin/prompts").contains("401"));

        Path voc = dataRoot.resolve("voc");
        Files.createDirectories(voc.resolve("JPEGImages"));
        Files.createDirectories(voc.resolve("ImageSets/Segmentation"));
        Files.createDirectories(voc.resolve("SegmentationClass"));
        Files.copy(PHOTO, voc.resolve("JPEGImages/cat1.jpg"));
        int[] mask = new int[451 * 300];
        java.util.Arrays.fill(mask, 0, 451 * 150, 8); // VOC class 8 = cat, top half
        Files.write(voc.resolve("SegmentationClass/cat1.png"), LabelMapPng.encode(mask, 451, 300));
        Files.writeString(voc.resolve("ImageSets/Segmentation/train.txt"), "cat1\n");
        HttpResponse<String> created = admin("POST", "/v1/admin/seed-jobs",
                "{\"dataset\": {\"format\": \"voc\", \"root\": \"voc\", \"split\": \"train\"}, \"output\": \"web-seeds\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String id = JSON.readTree(created.body()).path("id").asString();

        useToken(TOKEN);
        waitFor(d -> driver.findElement(By.id("admin-views")).isDisplayed());
        assertThat(driver.findElement(By.id("jobs-message")).isDisplayed()).isFalse();
        // The tables are rebuilt when a poll brings news: read each in one script.
        @SuppressWarnings("unchecked")
        List<String> active = (List<String>) ((JavascriptExecutor) driver).executeScript(
                "const r = document.querySelector('#versions tr.active'); return [r.dataset.version, r.textContent];");
        assertThat(active.get(0)).isEqualTo("manual-voc");
        assertThat(active.get(1)).contains("active");
        // Live progress: the row follows the job to its end without a reload.
        waitFor(d -> "succeeded".equals(driver.findElement(By.cssSelector("#jobs-table tr[data-job='" + id + "']")).getAttribute("data-state")));

        try {
            waitFor(d -> {
                d.findElement(By.cssSelector("#versions tr[data-version='manual-coco'] button")).click();
                return true;
            });
            waitFor(d -> "manual-coco".equals(driver.findElement(By.id("vocabulary")).getAttribute("data-prompt-set")));
            waitFor(d -> driver.findElement(By.cssSelector("#versions tr.active")).getAttribute("data-version").equals("manual-coco"));
            assertThat(driver.findElements(By.cssSelector("#vocabulary option"))).hasSize(80);
        } finally {
            admin("POST", "/v1/admin/prompts/manual-voc/activate", null);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    void open() {
        driver.get("http://127.0.0.1:" + port + "/");
        waitFor(d -> d.findElements(By.cssSelector("#vocabulary option")).size() > 0);
    }

    void upload(Path file) {
        driver.findElement(By.id("image-input")).sendKeys(file.toAbsolutePath().toString());
    }

    void enterClasses(List<String> names) {
        WebElement input = driver.findElement(By.id("class-input"));
        for (String name : names) {
            input.sendKeys(name, Keys.ENTER);
        }
        waitFor(d -> d.findElements(By.cssSelector("#chips li")).size() == names.size());
    }

    void runAndWaitFor(String state) {
        waitFor(d -> !"running".equals(resultState()));
        driver.findElement(By.id("run-button")).click();
        new WebDriverWait(driver, RUN_TIMEOUT).until(d -> state.equals(resultState()) || "error".equals(resultState()));
        assertThat(resultState()).as(text("message")).isEqualTo(state);
    }

    void useToken(String token) {
        WebElement input = driver.findElement(By.id("token-input"));
        input.clear();
        input.sendKeys(token, Keys.ENTER);
    }

    String resultState() {
        return driver.findElement(By.id("result")).getAttribute("data-state");
    }

    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    void waitFor(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(60))
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    @SuppressWarnings("unchecked")
    List<String> requestUrls() {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return performance.getEntriesByType('resource').map((e) => e.name);");
    }

    long overflow() {
        return (Long) ((JavascriptExecutor) driver).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    }

    void hoverPixel(int x, int y, int imageWidth) {
        WebElement viewer = driver.findElement(By.id("viewer"));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", viewer);
        int[] offset = pointerOffset(viewer, x, y, imageWidth);
        new Actions(driver).moveToElement(viewer, offset[0], offset[1]).perform();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(ExpectedConditions.textMatches(By.id("pointer-readout"), java.util.regex.Pattern.compile("\\(\\d+, \\d+\\)")));
    }

    /** The offset from the viewer's centre (where moveToElement counts from) of the middle of image pixel (x, y). */
    static int[] pointerOffset(WebElement viewer, int x, int y, int imageWidth) {
        double scale = viewer.getSize().getWidth() / (double) imageWidth;
        return new int[] {(int) Math.round((x + 0.5) * scale - viewer.getSize().getWidth() / 2.0),
            (int) Math.round((y + 0.5) * scale - viewer.getSize().getHeight() / 2.0)};
    }

    void openClickMode() {
        open();
        driver.findElement(By.id("mode-click")).click();
        upload(PHOTO);
        waitFor(d -> "preview".equals(resultState()));
    }

    /**
     * Records every POST /v1/segments the page sends: its fields, its Prefer header, whether it was
     * aborted and whether it has settled; the delays in window.segmentDelays (ms) hold the next ones back.
     */
    void recordSegmentRequests() {
        ((JavascriptExecutor) driver).executeScript("""
                window.segmentCalls = [];
                window.segmentDelays = [];
                const original = window.fetch.bind(window);
                window.fetch = (url, init = {}) => {
                  if (!String(url).endsWith('/v1/segments')) return original(url, init);
                  const form = init.body;
                  const call = {image: form.has('image'), imageSha256: form.get('imageSha256'), points: form.get('points'),
                    box: form.get('box'), classes: form.getAll('classes'), prefer: init.headers?.Prefer ?? null,
                    aborted: false, settled: false};
                  window.segmentCalls.push(call);
                  init.signal?.addEventListener('abort', () => { call.aborted = true; });
                  const delay = window.segmentDelays.shift() || 0;
                  const response = new Promise((resolve) => setTimeout(resolve, delay)).then(() => original(url, init));
                  response.finally(() => { call.settled = true; }).catch(() => {});
                  return response;
                };
                """);
    }

    JsonNode segmentCalls() {
        return JSON.readTree((String) ((JavascriptExecutor) driver).executeScript("return JSON.stringify(window.segmentCalls);"));
    }

    /** Waits until the page has sent calls requests and shown answers answers; returns the last request. */
    JsonNode awaitClicks(int calls, int answers) {
        new WebDriverWait(driver, RUN_TIMEOUT).until(d -> {
            WebElement tools = d.findElement(By.id("click-tools"));
            if ("error".equals(tools.getAttribute("data-state"))) {
                throw new AssertionError("the click failed: " + text("click-message"));
            }
            return segmentCalls().size() >= calls && Integer.parseInt(tools.getAttribute("data-answers")) >= answers
                    && "shown".equals(tools.getAttribute("data-state"));
        });
        return segmentCalls().get(calls - 1);
    }

    void clickPixel(int x, int y, boolean shift) {
        WebElement viewer = driver.findElement(By.id("viewer"));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", viewer);
        int[] offset = pointerOffset(viewer, x, y, imageWidth());
        Actions actions = new Actions(driver);
        if (shift) {
            actions.keyDown(Keys.SHIFT);
        }
        actions.moveToElement(viewer, offset[0], offset[1]).click();
        if (shift) {
            actions.keyUp(Keys.SHIFT);
        }
        actions.perform();
    }

    void dragPixels(int[] from, int[] to) {
        WebElement viewer = driver.findElement(By.id("viewer"));
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", viewer);
        int[] a = pointerOffset(viewer, from[0], from[1], imageWidth());
        int[] b = pointerOffset(viewer, to[0], to[1], imageWidth());
        new Actions(driver).moveToElement(viewer, a[0], a[1]).clickAndHold().moveToElement(viewer, b[0], b[1]).release().perform();
    }

    int imageWidth() {
        return Integer.parseInt(driver.findElement(By.id("image-layer")).getAttribute("width"));
    }

    /** The same prompt as a recorded request of the page, sent by the test: the API's answer. */
    JsonNode apiSegments(byte[] photo, String sha, JsonNode call, List<String> classes) throws Exception {
        Multipart form = new Multipart();
        if (photo != null) {
            form.file("image", "chelsea.jpg", "image/jpeg", photo);
        } else {
            form.field("imageSha256", sha);
        }
        for (String field : List.of("points", "box")) {
            if (!call.path(field).isNull()) {
                form.field(field, call.path(field).asString());
            }
        }
        classes.forEach(c -> form.field("classes", c));
        HttpResponse<byte[]> response = form.post(port, "/v1/segments", null);
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** A pixel of the photo whose click gets a mask of 2 % to 90 % of the image (the demo weights are random). */
    int[] pixelWithAMask(byte[] photo) throws Exception {
        int[][] candidates = {{150, 120}, {300, 100}, {225, 200}, {100, 220}, {380, 60}, {60, 60}, {330, 230}};
        for (int[] at : candidates) {
            HttpResponse<byte[]> response = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo)
                    .field("points", "[[" + (at[0] + 0.5) + ", " + (at[1] + 0.5) + ", 1]]").field("propose", "false")
                    .post(port, "/v1/segments", null);
            long area = JSON.readTree(response.body()).path("area").asLong();
            if (area > 451 * 300 / 50 && area < 451 * 300 * 9 / 10) {
                return at;
            }
        }
        throw new AssertionError("no candidate pixel gets a mask of 2 % to 90 % of the photo");
    }

    static boolean[] mask(JsonNode answer) {
        return mask(answer.path("mask"), answer.path("image").path("height").asInt(), answer.path("image").path("width").asInt());
    }

    static boolean[] mask(JsonNode rle, int height, int width) {
        return CocoRleCodec.decompress(rle.path("counts").asString(), height, width).decodeRowMajor();
    }

    List<String> maskLayerMismatches(JsonNode answer) {
        return maskLayerMismatches(mask(answer));
    }

    /** Pixels of the click's mask layer unlike the mask: opaque in the page's mask colour inside, transparent outside. */
    List<String> maskLayerMismatches(boolean[] mask) {
        Canvas layer = canvas("mask-layer");
        assertThat(layer.width * layer.height).isEqualTo(mask.length);
        @SuppressWarnings("unchecked")
        List<Number> rgb = (List<Number>) ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[0]; import('/overlay.js').then((m) => done(m.MASK_COLOUR));");
        int colour = rgb.get(0).intValue() << 16 | rgb.get(1).intValue() << 8 | rgb.get(2).intValue();
        return layerMismatches(layer, p -> mask[p] ? colour : -1);
    }

    byte[] awaitDownload(Path file) throws Exception {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> Files.isRegularFile(file));
        return Files.readAllBytes(file);
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    byte[] apiPng(byte[] photo, List<String> classes) throws Exception {
        Multipart form = new Multipart().file("image", "chelsea.jpg", "image/jpeg", photo);
        classes.forEach(c -> form.field("classes", c));
        HttpResponse<byte[]> response = form.field("refine", "sams").post(port, "/v1/masks", "image/png");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The first candidate class list whose label map (random demo weights) has foreground pixels. */
    List<String> classesWithPixels(byte[] photo) throws Exception {
        List<List<String>> candidates = List.of(List.of("bird", "cat"), List.of("boat", "train"), List.of("dog", "sofa"),
                List.of("aeroplane", "person"), List.of("bottle", "cow"));
        for (List<String> classes : candidates) {
            int[] labels = LabelMapPng.decode(apiPng(photo, classes), ImageLimits.defaults()).labels();
            if (java.util.Arrays.stream(labels).anyMatch(l -> l > 0)) {
                return classes;
            }
        }
        throw new AssertionError("no candidate class list labels any pixel of the photo");
    }

    /** Pixels of the label layer that are not the API's label map: transparent background, palette colour elsewhere. */
    static List<String> overlayMismatches(Canvas overlay, LabelMap expected, BufferedImage palette) {
        assertThat(overlay.width).isEqualTo(expected.width());
        assertThat(overlay.height).isEqualTo(expected.height());
        return layerMismatches(overlay, p -> expected.labels()[p] == 0 ? -1 : palette.getRGB(p % expected.width(),
                p / expected.width()) & 0xffffff);
    }

    /** Pixels of a layer unlike the expected ones: colour 0xRRGGBB opaque, or -1 for transparent, by row-major index. */
    static List<String> layerMismatches(Canvas layer, java.util.function.IntUnaryOperator expectedRgb) {
        List<String> wrong = new ArrayList<>();
        int count = 0;
        for (int p = 0; p < layer.width * layer.height; p++) {
            int x = p % layer.width;
            int y = p / layer.width;
            int rgb = expectedRgb.applyAsInt(p);
            boolean right = rgb < 0 ? layer.alpha(x, y) == 0 : layer.alpha(x, y) == 255 && layer.rgb(x, y) == rgb;
            if (!right && count++ < 20) {
                wrong.add("(" + x + "," + y + ") " + (rgb < 0 ? "transparent" : String.format("#%06x", rgb)) + " expected");
            }
        }
        if (count > wrong.size()) {
            wrong.add("... " + count + " pixels in all");
        }
        return wrong;
    }

    static int mostFrequentLabel(LabelMap map) {
        int[] counts = new int[256];
        for (int label : map.labels()) {
            counts[label]++;
        }
        int best = 1;
        for (int label = 1; label < counts.length; label++) {
            if (counts[label] > counts[best]) {
                best = label;
            }
        }
        return best;
    }

    static int[] firstPixelOf(LabelMap map, int label) {
        // A pixel whose 5x5 neighbourhood has the label only, so that rounding of the pointer position cannot matter.
        for (int y = 2; y < map.height() - 2; y++) {
            for (int x = 2; x < map.width() - 2; x++) {
                boolean uniform = true;
                for (int dy = -2; dy <= 2 && uniform; dy++) {
                    for (int dx = -2; dx <= 2 && uniform; dx++) {
                        uniform = map.at(x + dx, y + dy) == label;
                    }
                }
                if (uniform) {
                    return new int[] {x, y};
                }
            }
        }
        throw new AssertionError("class " + label + " has no 5x5 block");
    }

    Canvas labelLayer() {
        return canvas("label-layer");
    }

    Canvas canvas(String id) {
        @SuppressWarnings("unchecked")
        List<Object> result = (List<Object>) ((JavascriptExecutor) driver).executeScript("""
                const c = document.getElementById(arguments[0]);
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let s = '';
                for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
                return [c.width, c.height, btoa(s)];
                """, id);
        return new Canvas(((Number) result.get(0)).intValue(), ((Number) result.get(1)).intValue(),
                Base64.getDecoder().decode((String) result.get(2)));
    }

    void saveScreenshot(Path target) throws Exception {
        driver.manage().window().setSize(new Dimension(1280, 1500));
        ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".screenshot-", ".png");
        Files.write(temp, png);
        Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** RGBA pixels read back from a canvas. */
    record Canvas(int width, int height, byte[] rgba) {
        int alpha(int x, int y) {
            return rgba[(y * width + x) * 4 + 3] & 0xff;
        }

        int rgb(int x, int y) {
            int o = (y * width + x) * 4;
            return (rgba[o] & 0xff) << 16 | (rgba[o + 1] & 0xff) << 8 | (rgba[o + 2] & 0xff);
        }

        long opaquePixels() {
            long n = 0;
            for (int i = 3; i < rgba.length; i += 4) {
                if (rgba[i] != 0) {
                    n++;
                }
            }
            return n;
        }
    }
}
