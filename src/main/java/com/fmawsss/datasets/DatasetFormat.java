package com.fmawsss.datasets;

import java.util.Locale;

/** The dataset layouts a training or seed job accepts ({@code dataset.format} of a job request). */
public enum DatasetFormat {
    /** PASCAL VOC 2012, optionally with the SBD {@code SegmentationClassAug} extension. */
    VOC,
    /** COCO 2014 instance annotations. */
    COCO,
    /** A JSON-lines manifest of images, labels and optional masks. */
    MANIFEST;

    /**
     * Parses the request form ({@code voc}, {@code coco}, {@code manifest}, any case).
     *
     * @param value the text
     * @throws IllegalArgumentException for anything else
     */
    public static DatasetFormat parse(String value) {
        if (value != null) {
            for (DatasetFormat format : values()) {
                if (format.name().equalsIgnoreCase(value.strip())) {
                    return format;
                }
            }
        }
        throw new IllegalArgumentException("dataset format must be voc, coco or manifest, got " + value);
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
