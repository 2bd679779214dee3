package com.fmawsss.masks;

import java.util.List;

/**
 * A COCO RLE object as JSON carries it: {@code {"size": [H, W], "counts": "<compressed>"}}
 * (pycocotools' compressed counts, {@link CocoRleCodec#compress}).
 */
public record CompressedRle(List<Integer> size, String counts) {}
