package com.fmawsss.api.segments;

import com.fmawsss.masks.CocoRleCodec;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * A click's mask as an 8-bit greyscale PNG (255 inside, 0 outside) of the image's size, with SAM's
 * predicted IoU, the proposed class (URL-encoded) and the image's SHA-256 in headers.
 */
final class SegmentPng {

    static final String PREDICTED_IOU = "X-Predicted-Iou";
    static final String PROPOSED_CLASS = "X-Proposed-Class";
    static final String IMAGE_SHA256 = "X-Image-Sha256";

    private SegmentPng() {}

    static ResponseEntity<byte[]> render(SegmentResponse answer) {
        var builder = ResponseEntity.ok().contentType(MediaType.IMAGE_PNG)
                .header(PREDICTED_IOU, String.format(Locale.ROOT, "%.4f", answer.predictedIou()))
                .header(IMAGE_SHA256, answer.image().sha256());
        if (answer.proposal() != null && answer.proposal().className() != null) {
            // URL-encoded like the class table of the label-map PNGs: class names are free text.
            builder.header(PROPOSED_CLASS, URLEncoder.encode(answer.proposal().className(), StandardCharsets.UTF_8));
        }
        return builder.body(bytes(answer));
    }

    /** The PNG alone. */
    static byte[] bytes(SegmentResponse answer) {
        int width = answer.image().width();
        int height = answer.image().height();
        boolean[] mask = CocoRleCodec.decompress(answer.mask().counts(), height, width).decodeRowMajor();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int p = 0; p < mask.length; p++) {
            pixels[p] = mask[p] ? (byte) 255 : 0;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
