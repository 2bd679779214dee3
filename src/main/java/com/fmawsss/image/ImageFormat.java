package com.fmawsss.image;

/** The upload formats the decoder recognises by magic bytes. */
enum ImageFormat {
    PNG("png", "PNG"),
    JPEG("jpeg", "JPEG"),
    WEBP("webp", "WebP");

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

    /** The name used in client messages. */
    String displayName() {
        return displayName;
    }
}
