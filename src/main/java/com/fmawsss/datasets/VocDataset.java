package com.fmawsss.datasets;

import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * PASCAL VOC 2012 under a root directory ({@code VOCdevkit/VOC2012}):
 * <ul>
 *   <li>{@code ImageSets/Segmentation/<split>.txt}: one id per line, or (common for
 *       {@code train_aug}) a pair {@code /JPEGImages/<id>.jpg /SegmentationClassAug/<id>.png}
 *       relative to the root;</li>
 *   <li>{@code JPEGImages/<id>.jpg};</li>
 *   <li>masks {@code SegmentationClass/<id>.png} (palette PNG) or {@code SegmentationClassAug/<id>.png}
 *       (grey PNG), 0 = background, 1..20 = classes, 255 = boundary/ignore; for an id-only line
 *       of a split whose name contains {@code aug}, {@code SegmentationClassAug} is tried first,
 *       otherwise {@code SegmentationClass};</li>
 *   <li>{@code Annotations/<id>.xml}, used for the labels of ids without a mask.</li>
 * </ul>
 * Image-level labels are the classes present in the mask (all labels but 0 and 255); only when no
 * mask exists are they the object names of the XML annotation. Masks are decoded once, in
 * parallel, when the dataset is opened.
 */
public final class VocDataset extends LoadedDataset {

    private VocDataset(String name, Vocabulary vocabulary, List<TrainingSample> samples, List<DatasetProblem> problems) {
        super(name, vocabulary, samples, problems);
    }

    /**
     * Opens a split with the VOC vocabulary.
     *
     * @param root the {@code VOC2012} directory
     * @param split e.g. {@code train}, {@code val}, {@code train_aug}
     * @return the dataset; problems are in {@link #problems()}
     */
    public static VocDataset open(Path root, String split) {
        return open(root, split, Vocabulary.voc());
    }

    /**
     * Opens a split whose mask labels index a custom vocabulary (label = index + 1).
     *
     * @param root the dataset root
     * @param split the split list name
     * @param vocabulary the classes
     * @return the dataset; problems are in {@link #problems()}
     */
    public static VocDataset open(Path root, String split, Vocabulary vocabulary) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(vocabulary, "vocabulary");
        String name = "voc:" + root + ":" + split;
        List<DatasetProblem> problems = new ArrayList<>();
        String listName = "ImageSets/Segmentation/" + split + ".txt";
        Optional<Path> list = split == null || split.isBlank() || split.contains("/") || split.contains("\\")
                ? Optional.empty()
                : DatasetPaths.resolve(root, listName);
        if (list.isEmpty() || !Files.isRegularFile(list.get())) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_INDEX, listName,
                    "split list not found under " + root));
            return new VocDataset(name, vocabulary, List.of(), problems);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(list.get(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_INDEX, listName, "unreadable: " + e.getMessage()));
            return new VocDataset(name, vocabulary, List.of(), problems);
        }
        boolean augFirst = split.toLowerCase(Locale.ROOT).contains("aug");
        String listFile = list.get().getFileName().toString();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = listFile + ":" + (i + 1);
            if (!line.isEmpty()) {
                parseLine(root, line, where, augFirst, problems).ifPresent(entries::add);
            }
        }
        // Label derivation decodes every mask: parallel, results kept in list order.
        Resolved[] resolved = new Resolved[entries.size()];
        IntStream.range(0, entries.size()).parallel()
                .forEach(i -> resolved[i] = resolve(entries.get(i), vocabulary));
        List<TrainingSample> samples = new ArrayList<>(entries.size());
        for (Resolved r : resolved) {
            samples.add(r.sample());
            problems.addAll(r.problems());
        }
        return new VocDataset(name, vocabulary, samples, problems);
    }

    /** A parsed split-list line: image, explicit or found mask, annotation file. */
    private record Entry(String id, Path image, Optional<Path> mask, Path annotation, String where) {}

    private record Resolved(TrainingSample sample, List<DatasetProblem> problems) {}

    private static Optional<Entry> parseLine(
            Path root, String line, String where, boolean augFirst, List<DatasetProblem> problems) {
        String[] tokens = line.split("\\s+");
        if (tokens.length > 2) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where,
                    "expected an id or an image/mask pair, got " + tokens.length + " fields"));
            return Optional.empty();
        }
        boolean pathForm = tokens.length == 2 || tokens[0].contains("/") || tokens[0].contains("\\");
        if (!pathForm) {
            String id = tokens[0];
            if (id.equals(".") || id.equals("..")) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where, "invalid id '" + id + "'"));
                return Optional.empty();
            }
            String[] order = augFirst
                    ? new String[] {"SegmentationClassAug", "SegmentationClass"}
                    : new String[] {"SegmentationClass", "SegmentationClassAug"};
            Optional<Path> mask = Optional.empty();
            for (String dir : order) {
                Path candidate = root.resolve(dir).resolve(id + ".png");
                if (Files.isRegularFile(candidate)) {
                    mask = Optional.of(candidate);
                    break;
                }
            }
            Path image = root.resolve("JPEGImages").resolve(id + ".jpg");
            return Optional.of(new Entry(id, image, mask, annotationOf(root, id), where));
        }
        // Pair lists write paths relative to the root with a leading slash.
        Optional<Path> image = DatasetPaths.resolve(root, stripLeadingSlash(tokens[0]));
        Optional<Path> mask = tokens.length == 2
                ? DatasetPaths.resolve(root, stripLeadingSlash(tokens[1]))
                : Optional.empty();
        if (image.isEmpty() || (tokens.length == 2 && mask.isEmpty())) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.PATH_OUTSIDE_ROOT, where,
                    "paths must lie inside the dataset root: " + line));
            return Optional.empty();
        }
        String id = DatasetPaths.stem(image.get());
        return Optional.of(new Entry(id, image.get(), mask, annotationOf(root, id), where));
    }

    private static Path annotationOf(Path root, String id) {
        return root.resolve("Annotations").resolve(id + ".xml");
    }

    private static String stripLeadingSlash(String path) {
        String p = path;
        while (p.startsWith("/") || p.startsWith("\\")) {
            p = p.substring(1);
        }
        return p;
    }

    private static Resolved resolve(Entry entry, Vocabulary vocabulary) {
        List<DatasetProblem> problems = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        String where = entry.id() + " (" + entry.where() + ")";
        boolean labelled = false;
        if (entry.mask().isPresent() && Files.isRegularFile(entry.mask().get())) {
            MaskFiles.addPresentClasses(entry.mask().get(), vocabulary, where, labels, problems);
            labelled = true;
        } else if (Files.isRegularFile(entry.annotation())) {
            try {
                for (String object : VocAnnotations.objectNames(entry.annotation())) {
                    int index = vocabulary.indexOf(object);
                    if (index >= 0) {
                        labels.add(index);
                    } else {
                        problems.add(new DatasetProblem(DatasetProblem.Kind.UNKNOWN_CLASS, where,
                                "object '" + object + "' in " + entry.annotation().getFileName()
                                        + " is not a class of vocabulary " + vocabulary.name()));
                    }
                }
            } catch (DatasetException e) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where, e.getMessage()));
            }
            labelled = true;
        }
        if (!labelled && entry.mask().isEmpty()) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_MASK, where,
                    "neither SegmentationClass/, SegmentationClassAug/ nor Annotations/ has " + entry.id()));
        }
        TrainingSample sample = new TrainingSample(entry.id(), entry.image(), labels, entry.mask(), entry.where());
        return new Resolved(sample, problems);
    }

    @Override
    public DatasetFormat format() {
        return DatasetFormat.VOC;
    }
}
