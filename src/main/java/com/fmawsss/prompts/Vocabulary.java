package com.fmawsss.prompts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.core.JacksonException;

/**
 * Foreground classes and background names of a prompt set, in a fixed order.
 *
 * @param name a short name ({@code voc}, {@code coco} or a custom one)
 * @param classes the foreground classes; their order is the label index order (label = index + 1)
 * @param background the background prompts (CLIP-ES background categories)
 */
public record Vocabulary(String name, List<VocabularyEntry> classes, List<VocabularyEntry> background) {

    /** Copies the lists and rejects duplicate class names. */
    public Vocabulary {
        classes = List.copyOf(classes);
        background = List.copyOf(background);
        long distinct = classes.stream().map(c -> key(c.name())).distinct().count();
        if (distinct != classes.size()) {
            throw new IllegalArgumentException("vocabulary " + name + " has duplicate class names");
        }
    }

    /** The built-in PASCAL VOC 2012 vocabulary (20 classes, 25 background names). */
    public static Vocabulary voc() {
        return BuiltIn.VOC;
    }

    /** The built-in COCO 2014 vocabulary (80 classes, 23 background names). */
    public static Vocabulary coco() {
        return BuiltIn.COCO;
    }

    /**
     * Looks a built-in vocabulary up by name.
     *
     * @param name {@code voc} or {@code coco}
     */
    public static Optional<Vocabulary> builtIn(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "voc" -> Optional.of(voc());
            case "coco" -> Optional.of(coco());
            default -> Optional.empty();
        };
    }

    /**
     * Finds a foreground class by name (case-insensitive, surrounding blanks ignored).
     *
     * @return its index in {@link #classes()}, or -1
     */
    public int indexOf(String className) {
        String wanted = key(className);
        for (int i = 0; i < classes.size(); i++) {
            if (key(classes.get(i).name()).equals(wanted)) {
                return i;
            }
        }
        return -1;
    }

    /** Returns the class names in label order. */
    public List<String> classNames() {
        return classes.stream().map(VocabularyEntry::name).toList();
    }

    static String key(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a vocabulary JSON document ({@code {"name", "classes": [{"name","prompt"}],
     * "background": [names]}}).
     *
     * @param in the document
     */
    public static Vocabulary readJson(InputStream in) {
        try {
            JsonNode root = JsonMapper.builder().build().readTree(in);
            List<VocabularyEntry> classes = new ArrayList<>();
            for (JsonNode c : root.path("classes")) {
                classes.add(new VocabularyEntry(c.path("name").asString(), c.path("prompt").asString()));
            }
            List<VocabularyEntry> background = new ArrayList<>();
            for (JsonNode b : root.path("background")) {
                background.add(VocabularyEntry.plain(b.asString()));
            }
            return new Vocabulary(root.path("name").asString(), classes, background);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("invalid vocabulary JSON", e);
        }
    }

    /** Lazily loaded resources (resources/vocab/*.json, data from CLIP-ES). */
    private static final class BuiltIn {
        static final Vocabulary VOC = load("voc");
        static final Vocabulary COCO = load("coco");

        private static Vocabulary load(String name) {
            try (InputStream in = Vocabulary.class.getResourceAsStream("/vocab/" + name + ".json")) {
                if (in == null) {
                    throw new IllegalStateException("missing resource /vocab/" + name + ".json");
                }
                return readJson(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
