package com.fmawsss.datasets;

import com.fmawsss.masks.CocoRleCodec;
import com.fmawsss.image.LabelMap;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.prompts.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * COCO 2014 instance annotations: {@code <root>/annotations/instances_<split>.json} and images in
 * {@code <root>/<split>/} or {@code <root>/images/<split>/}.
 *
 * <p>Categories are mapped to the vocabulary by position after sorting them by id (COCO's 80 ids
 * run 1..90 with gaps; {@link Vocabulary#coco()} lists the classes in that order) when the counts
 * match, otherwise by name. An image's labels are the categories of all its annotations, crowd
 * ones included (a crowd of people is still people in the picture); images without annotations
 * are left out (one {@link DatasetProblem.Kind#SKIPPED} warning).
 *
 * <p>Ground truth: a zero map painted with every annotation in file order, later ones over earlier
 * ones, with label {@code index + 1}, or 255 for {@code iscrowd} regions. Polygons are rasterised
 * with {@link CocoPolygons} (pycocotools' {@code frPoly}, exact), RLE with {@link CocoRle#fromJson}.
 *
 * <p>The annotation file is streamed, never held as one JSON tree (train2014's is 330 MB): opening
 * keeps only ids, categories and crowd flags; the segmentations are read by a second pass on the
 * first {@link #groundTruth} call and then kept, since evaluation visits every image.
 */
public final class CocoDataset extends LoadedDataset {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IGNORE = 255;

    private final Path annotations;
    private final Map<String, ImageInfo> images;
    private final Map<Long, Integer> categoryIndex;
    private volatile Map<Long, List<Segment>> segments;

    private CocoDataset(String name, Vocabulary vocabulary, Path annotations, List<TrainingSample> samples,
            List<DatasetProblem> problems, Map<String, ImageInfo> images, Map<Long, Integer> categoryIndex) {
        super(name, vocabulary, samples, problems);
        this.annotations = annotations;
        this.images = images;
        this.categoryIndex = categoryIndex;
    }

    /** An image record of the annotation file. */
    private record ImageInfo(long id, String fileName, int width, int height) {}

    /** One annotation's region: a list of polygons or one RLE. */
    private record Segment(int label, List<double[]> polygons, CocoRle rle) {}

    /** What a pass over the annotation file produces. */
    private static final class Parsed {
        final List<ImageInfo> images = new ArrayList<>();
        final List<JsonNode> categories = new ArrayList<>();
        // per annotation, in file order: image id, category id, crowd flag, segmentation (pass 2 only)
        final List<long[]> annotations = new ArrayList<>();
        final List<Object> segmentations = new ArrayList<>();
        final List<DatasetProblem> problems = new ArrayList<>();
    }

    /**
     * Opens a split with the COCO vocabulary.
     *
     * @param root the COCO directory
     * @param split e.g. {@code train2014}, {@code val2014}
     * @return the dataset; problems are in {@link #problems()}
     */
    public static CocoDataset open(Path root, String split) {
        return open(root, split, Vocabulary.coco());
    }

    /**
     * Opens a split with a given vocabulary.
     *
     * @param root the COCO directory
     * @param split the split name
     * @param vocabulary the classes, in category-id order when it has as many classes as the file
     *     has categories, otherwise matched by name
     * @return the dataset; problems are in {@link #problems()}
     */
    public static CocoDataset open(Path root, String split, Vocabulary vocabulary) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(vocabulary, "vocabulary");
        String name = "coco:" + root + ":" + split;
        String annotationName = "annotations/instances_" + split + ".json";
        Optional<Path> file = split == null || split.isBlank() || split.contains("/") || split.contains("\\")
                ? Optional.empty() : DatasetPaths.resolve(root, annotationName);
        List<DatasetProblem> problems = new ArrayList<>();
        if (file.isEmpty() || !Files.isRegularFile(file.get())) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.MISSING_INDEX, annotationName,
                    "annotation file not found under " + root));
            return new CocoDataset(name, vocabulary, file.orElse(root), List.of(), problems, Map.of(), Map.of());
        }
        Parsed parsed = parse(file.get(), false);
        problems.addAll(parsed.problems);
        if (!parsed.problems.isEmpty() && parsed.problems.getFirst().kind() == DatasetProblem.Kind.MISSING_INDEX) {
            return new CocoDataset(name, vocabulary, file.get(), List.of(), problems, Map.of(), Map.of());
        }
        Path imageDir = root.resolve(split);
        if (!Files.isDirectory(imageDir) && Files.isDirectory(root.resolve("images").resolve(split))) {
            imageDir = root.resolve("images").resolve(split);
        }
        Map<Long, Integer> categoryIndex = mapCategories(parsed.categories, vocabulary, problems);
        Map<Long, TreeSet<Integer>> labels = new HashMap<>();
        Map<Long, ImageInfo> byId = new LinkedHashMap<>();
        for (ImageInfo image : parsed.images) {
            if (byId.putIfAbsent(image.id(), image) != null) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.DUPLICATE_ID, "image " + image.id(),
                        "image id listed twice; the first entry is used"));
            }
        }
        for (int i = 0; i < parsed.annotations.size(); i++) {
            long[] a = parsed.annotations.get(i);
            String where = "annotations[" + i + "]";
            Integer index = categoryIndex.get(a[1]);
            if (!byId.containsKey(a[0])) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where,
                        "refers to image " + a[0] + ", which is not in \"images\""));
            } else if (index == null) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.UNKNOWN_CLASS, where,
                        "category " + a[1] + " is not in \"categories\" or not in vocabulary " + vocabulary.name()));
            } else {
                labels.computeIfAbsent(a[0], id -> new TreeSet<>()).add(index);
            }
        }
        List<TrainingSample> samples = new ArrayList<>();
        Map<String, ImageInfo> images = new HashMap<>();
        int skipped = 0;
        String source = file.get().getFileName().toString();
        for (ImageInfo image : byId.values()) {
            TreeSet<Integer> present = labels.get(image.id());
            if (present == null) {
                skipped++;
                continue;
            }
            Optional<Path> path = DatasetPaths.resolve(imageDir, image.fileName());
            if (path.isEmpty()) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.PATH_OUTSIDE_ROOT, "image " + image.id(),
                        "file_name '" + image.fileName() + "' leaves the image directory"));
                continue;
            }
            String id = Long.toString(image.id());
            samples.add(new TrainingSample(id, path.get(), List.copyOf(present), Optional.empty(),
                    source + " image " + id));
            images.put(id, image);
        }
        if (skipped > 0) {
            problems.add(new DatasetProblem(DatasetProblem.Kind.SKIPPED, source,
                    skipped + " images without annotations left out"));
        }
        return new CocoDataset(name, vocabulary, file.get(), samples, problems, images, categoryIndex);
    }

    private static Map<Long, Integer> mapCategories(
            List<JsonNode> categories, Vocabulary vocabulary, List<DatasetProblem> problems) {
        List<JsonNode> sorted = new ArrayList<>(categories);
        sorted.sort(Comparator.comparingLong(c -> c.path("id").asLong()));
        boolean positional = sorted.size() == vocabulary.classes().size();
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            JsonNode category = sorted.get(i);
            int mapped = positional ? i : vocabulary.indexOf(category.path("name").asString(""));
            if (mapped < 0) {
                problems.add(new DatasetProblem(DatasetProblem.Kind.UNKNOWN_CLASS,
                        "category " + category.path("id").asLong(),
                        "'" + category.path("name").asString("") + "' is not in vocabulary " + vocabulary.name()));
            } else {
                index.put(category.path("id").asLong(), mapped);
            }
        }
        return index;
    }

    /** Streams the annotation file; keeps segmentations only when asked (pass 2). */
    private static Parsed parse(Path file, boolean keepSegmentations) {
        Parsed parsed = new Parsed();
        try (JsonParser parser = JSON.createParser(file)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new DatasetException(file + " is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value != JsonToken.START_ARRAY || !List.of("images", "annotations", "categories").contains(field)) {
                    parser.skipChildren();
                    continue;
                }
                int i = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    JsonNode node = parser.readValueAsTree();
                    switch (field) {
                        case "images" -> image(node, i, parsed);
                        case "categories" -> parsed.categories.add(node);
                        default -> annotation(node, i, parsed, keepSegmentations);
                    }
                    i++;
                }
            }
        } catch (JacksonException | DatasetException e) {
            parsed.problems.addFirst(new DatasetProblem(DatasetProblem.Kind.MISSING_INDEX, file.getFileName().toString(),
                    "not a readable COCO annotation file: " + e.getMessage()));
        }
        return parsed;
    }

    private static void image(JsonNode node, int i, Parsed parsed) {
        if (!node.path("id").canConvertToExactIntegral() || !node.path("file_name").isString()
                || node.path("width").asInt(0) <= 0 || node.path("height").asInt(0) <= 0) {
            parsed.problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, "images[" + i + "]",
                    "an image needs an integer id, a file_name and positive width and height"));
            return;
        }
        parsed.images.add(new ImageInfo(node.get("id").asLong(), node.get("file_name").asString(),
                node.get("width").asInt(), node.get("height").asInt()));
    }

    private static void annotation(JsonNode node, int i, Parsed parsed, boolean keepSegmentation) {
        String where = "annotations[" + i + "]";
        if (!node.path("image_id").canConvertToExactIntegral() || !node.path("category_id").canConvertToExactIntegral()) {
            parsed.problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_LINE, where,
                    "an annotation needs integer image_id and category_id"));
            return;
        }
        JsonNode segmentation = node.path("segmentation");
        Object parsedSegmentation;
        try {
            parsedSegmentation = segmentation(segmentation);
        } catch (IllegalArgumentException e) {
            parsed.problems.add(new DatasetProblem(DatasetProblem.Kind.UNREADABLE_MASK, where, e.getMessage()));
            return;
        }
        long crowd = node.path("iscrowd").asInt(0) != 0 ? 1 : 0;
        parsed.annotations.add(new long[] {node.get("image_id").asLong(), node.get("category_id").asLong(), crowd});
        parsed.segmentations.add(keepSegmentation ? parsedSegmentation : null);
    }

    /** Polygons as {@code List<double[]>} or an RLE as {@link CocoRle}; validates the structure. */
    private static Object segmentation(JsonNode segmentation) {
        if (segmentation.isArray()) {
            List<double[]> polygons = new ArrayList<>();
            for (JsonNode polygon : segmentation) {
                if (!polygon.isArray()) {
                    throw new IllegalArgumentException("polygon segmentation must be a list of coordinate lists");
                }
                double[] xy = new double[polygon.size()];
                for (int j = 0; j < xy.length; j++) {
                    JsonNode c = polygon.get(j);
                    if (!c.isNumber() || !Double.isFinite(c.asDouble())) {
                        throw new IllegalArgumentException("polygon coordinate " + c + " is not a finite number");
                    }
                    xy[j] = c.asDouble();
                }
                polygons.add(xy);
            }
            return polygons;
        }
        if (segmentation.isObject()) {
            return CocoRleCodec.fromJson(JSON.convertValue(segmentation, Map.class));
        }
        throw new IllegalArgumentException("segmentation must be polygons or an RLE object");
    }

    /** Second pass: the segmentations of every sample, in file order. */
    private Map<Long, List<Segment>> segments() {
        Map<Long, List<Segment>> loaded = segments;
        if (loaded == null) {
            synchronized (this) {
                loaded = segments;
                if (loaded == null) {
                    Parsed parsed = parse(annotations, true);
                    if (!parsed.problems.isEmpty() && parsed.problems.getFirst().kind() == DatasetProblem.Kind.MISSING_INDEX) {
                        throw new DatasetException(parsed.problems.getFirst().message());
                    }
                    loaded = new HashMap<>();
                    for (int i = 0; i < parsed.annotations.size(); i++) {
                        long[] a = parsed.annotations.get(i);
                        Integer index = categoryIndex.get(a[1]);
                        if (index == null || !images.containsKey(Long.toString(a[0]))) {
                            continue;
                        }
                        Object s = parsed.segmentations.get(i);
                        int label = a[2] == 1 ? IGNORE : index + 1;
                        @SuppressWarnings("unchecked")
                        Segment segment = s instanceof CocoRle rle
                                ? new Segment(label, List.of(), rle)
                                : new Segment(label, (List<double[]>) s, null);
                        loaded.computeIfAbsent(a[0], id -> new ArrayList<>()).add(segment);
                    }
                    segments = loaded;
                }
            }
        }
        return loaded;
    }

    @Override
    public Optional<LabelMap> groundTruth(TrainingSample sample) {
        ImageInfo image = images.get(sample.id());
        if (image == null) {
            throw new DatasetException("sample " + sample.id() + " is not part of " + name());
        }
        int width = image.width();
        int height = image.height();
        int[] labels = new int[width * height];
        for (Segment segment : segments().getOrDefault(image.id(), List.of())) {
            if (segment.rle() != null) {
                if (segment.rle().height() != height || segment.rle().width() != width) {
                    throw new DatasetException("image " + image.id() + ": RLE size [" + segment.rle().height() + ", "
                            + segment.rle().width() + "] differs from the image's [" + height + ", " + width + "]");
                }
                segment.rle().forEachPixel(p -> labels[p] = segment.label());
            } else {
                for (double[] polygon : segment.polygons()) {
                    CocoPolygons.rasterize(polygon, height, width).forEachPixel(p -> labels[p] = segment.label());
                }
            }
        }
        return Optional.of(new LabelMap(width, height, labels));
    }

    @Override
    public DatasetFormat format() {
        return DatasetFormat.COCO;
    }
}
