package com.fmawsss.labeling.labelstudio;

import com.fmawsss.prompts.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the labels of a Label Studio control to the service's classes, in this order for each
 * label: its {@code predicted_values} (each value naming a vocabulary class exactly, then
 * case-insensitively), then the label's own text (exactly, then case-insensitively). With free
 * text allowed, a value or label text that names no vocabulary class is used as a class name of
 * its own (manual CLIP-ES prompts, as {@code /v1/masks} does). Nothing else is guessed: labels that
 * map to nothing, whose class another label already took, or that exceed the per-request class
 * limit are reported as unmapped with the reason.
 *
 * @param mapped the label to class pairs, in configuration order (a label with several predicted
 *     values appears once per class)
 * @param unmapped the labels left out, with reasons
 */
public record LabelMapping(List<Mapped> mapped, List<Unmapped> unmapped) {

    /** Copies the lists. */
    public LabelMapping {
        mapped = List.copyOf(mapped);
        unmapped = List.copyOf(unmapped);
    }

    /** How a label found its class. */
    public enum Rule {
        /** A value of {@code predicted_values} names a vocabulary class exactly. */
        PREDICTED_VALUES,
        /** A value of {@code predicted_values} names a vocabulary class up to case. */
        PREDICTED_VALUES_CASE_INSENSITIVE,
        /** The label text is a vocabulary class name. */
        EXACT,
        /** The label text is a vocabulary class name up to case. */
        CASE_INSENSITIVE,
        /** Not in the vocabulary: used as a free-text class name (manual prompts). */
        FREE_TEXT
    }

    /**
     * A label and the class it stands for.
     *
     * @param label the Label Studio label
     * @param className the class name sent to the service
     * @param rule how it was found
     */
    public record Mapped(String label, String className, Rule rule) {}

    /**
     * A label the service will not predict.
     *
     * @param label the Label Studio label
     * @param reason why
     */
    public record Unmapped(String label, String reason) {}

    /**
     * Builds the mapping.
     *
     * @param labels the control's labels
     * @param vocabulary the active prompt set's vocabulary
     * @param freeText whether names outside the vocabulary are used as free-text classes
     * @param maxClasses most classes per request
     * @param maxNameLength longest class name
     * @return the mapping
     */
    public static LabelMapping of(List<LabelConfig.LabelTag> labels, Vocabulary vocabulary, boolean freeText, int maxClasses,
            int maxNameLength) {
        List<Mapped> mapped = new ArrayList<>();
        List<Unmapped> unmapped = new ArrayList<>();
        Map<String, String> labelOfClass = new LinkedHashMap<>();
        for (LabelConfig.LabelTag tag : labels) {
            List<Mapped> candidates = new ArrayList<>();
            for (String value : tag.predictedValues()) {
                vocabularyClass(value, vocabulary).ifPresentOrElse(
                        name -> candidates.add(new Mapped(tag.value(), name,
                                name.equals(value) ? Rule.PREDICTED_VALUES : Rule.PREDICTED_VALUES_CASE_INSENSITIVE)),
                        () -> {
                            if (freeText) {
                                candidates.add(new Mapped(tag.value(), value, Rule.FREE_TEXT));
                            }
                        });
            }
            if (candidates.isEmpty()) {
                Optional<String> own = vocabularyClass(tag.value(), vocabulary);
                if (own.isPresent()) {
                    candidates.add(new Mapped(tag.value(), own.get(), own.get().equals(tag.value()) ? Rule.EXACT : Rule.CASE_INSENSITIVE));
                } else if (freeText) {
                    candidates.add(new Mapped(tag.value(), tag.value().strip(), Rule.FREE_TEXT));
                }
            }
            if (candidates.isEmpty()) {
                unmapped.add(new Unmapped(tag.value(), tag.predictedValues().isEmpty()
                        ? "not a class of vocabulary '" + vocabulary.name() + "' (add predicted_values or enable free-text labels)"
                        : "predicted_values " + tag.predictedValues() + " name no class of vocabulary '" + vocabulary.name() + "'"));
                continue;
            }
            List<String> problems = new ArrayList<>();
            int before = mapped.size();
            for (Mapped candidate : candidates) {
                String key = candidate.className().toLowerCase(Locale.ROOT);
                String owner = labelOfClass.get(key);
                if (owner != null) {
                    if (!owner.equals(tag.value())) {
                        problems.add("class '" + candidate.className() + "' is already predicted for label '" + owner + "'");
                    }
                } else if (!validName(candidate.className(), maxNameLength)) {
                    problems.add("'" + candidate.className() + "' is not a usable class name (at most " + maxNameLength
                            + " characters, no control characters)");
                } else if (labelOfClass.size() >= maxClasses) {
                    problems.add("more than " + maxClasses + " classes per request (fma.api.max-classes)");
                } else {
                    labelOfClass.put(key, tag.value());
                    mapped.add(candidate);
                }
            }
            if (mapped.size() == before) {
                unmapped.add(new Unmapped(tag.value(), String.join("; ", problems)));
            }
        }
        return new LabelMapping(mapped, unmapped);
    }

    /**
     * The class names to request, in label order.
     *
     * @return distinct names
     */
    public List<String> classNames() {
        return mapped.stream().map(Mapped::className).toList();
    }

    /**
     * The Label Studio label a class is reported under.
     *
     * @param className a requested class
     */
    public String labelOf(String className) {
        return mapped.stream().filter(m -> m.className().equals(className)).map(Mapped::label).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("class '" + className + "' was not requested"));
    }

    /**
     * The single class a Label Studio label stands for (used to read annotations back).
     *
     * @param label a Label Studio label
     * @return the class, or empty when the label maps to no class or to several
     */
    public Optional<String> classOf(String label) {
        List<String> classes = mapped.stream().filter(m -> m.label().equals(label)).map(Mapped::className).toList();
        return classes.size() == 1 ? Optional.of(classes.getFirst()) : Optional.empty();
    }

    /**
     * The vocabulary class a label's regions belong to when annotations are read back: the
     * vocabulary class its {@code predicted_values} name (when they name exactly one), else the
     * class its own text names. Unlike {@link #of}, several labels may stand for one class.
     *
     * @param tag the label
     * @param vocabulary the dataset's vocabulary
     * @return the class, or empty when the label names none or several
     */
    public static Optional<String> readBackClass(LabelConfig.LabelTag tag, Vocabulary vocabulary) {
        List<String> named = tag.predictedValues().stream().map(v -> vocabularyClass(v, vocabulary)).flatMap(Optional::stream)
                .distinct().toList();
        if (named.size() > 1) {
            return Optional.empty();
        }
        return named.isEmpty() ? vocabularyClass(tag.value(), vocabulary) : Optional.of(named.getFirst());
    }

    private static Optional<String> vocabularyClass(String name, Vocabulary vocabulary) {
        int index = vocabulary.indexOf(name);
        return index < 0 ? Optional.empty() : Optional.of(vocabulary.classes().get(index).name());
    }

    private static boolean validName(String name, int maxNameLength) {
        return !name.isBlank() && name.length() <= maxNameLength && name.chars().noneMatch(Character::isISOControl);
    }
}
