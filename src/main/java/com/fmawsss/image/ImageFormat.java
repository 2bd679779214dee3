package com.fmawsss.image;

/** The formats the decoder recognises by magic bytes. */
enum ImageFormat {
    PNG("png", "PNG"),
    JPEG("jpeg", "JPEG"),
    WEBP("webp", "WebP"),
    /** Frames annotation tools serve as they were uploaded (CVAT sends original files); not API uploads. */
    BMP("bmp", "BMP"),
    GIF("gif", "GIF"),
    TIFF("tiff", "TIFF");

    private final String id;
    private final String displayName;

    ImageFormat(String id, String displayName) {
        this.id = id;
        this.displayName = displayName;
    }

    /** The identifier reported in {@link DecodedImage#format()}; also the ImageIO format name. */
    String id() {
        return id;
    }

    /** Whether this is one of the upload formats of the inference API. */
    boolean apiUpload() {
        return this == PNG || this == JPEG || this == WEBP;
    }

    /** The name used in client messages. */
    String displayName() {
        return displayName;
    }
}
