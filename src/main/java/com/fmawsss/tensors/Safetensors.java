package com.fmawsss.tensors;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reader and writer of the safetensors format (float32 tensors plus string metadata), as used by
 * prompt-set files. Output is deterministic: tensors are written in name order, so equal content
 * gives equal bytes.
 */
public final class Safetensors {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String METADATA = "__metadata__";
    private static final long MAX_HEADER_BYTES = 1 << 24;

    private Safetensors() {}

    /**
     * Contents of a safetensors file.
     *
     * @param tensors tensors by name
     * @param metadata the string metadata
     */
    public record Content(Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        /** Copies the maps. */
        public Content {
            tensors = new TreeMap<>(tensors);
            metadata = new TreeMap<>(metadata);
        }
    }

    /**
     * Serialises float32 tensors and metadata.
     *
     * @param content what to write
     * @return the file bytes
     */
    public static byte[] write(Content content) {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject(METADATA);
        content.metadata().forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, FloatTensor> e : content.tensors().entrySet()) {
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", "F32");
            var shape = node.putArray("shape");
            for (int dim : e.getValue().shape()) {
                shape.add(dim);
            }
            long end = offset + 4L * e.getValue().data().length;
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 + padded + (int) offset);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.writeBytes(json);
        out.writeBytes(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
        for (FloatTensor tensor : content.tensors().values()) {
            ByteBuffer data = ByteBuffer.allocate(4 * tensor.data().length).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().put(tensor.data());
            out.writeBytes(data.array());
        }
        return out.toByteArray();
    }

    /**
     * Parses a safetensors file with float32 tensors.
     *
     * @param bytes the file bytes
     * @return tensors and metadata
     * @throws TensorFormatException when the file is malformed or holds other dtypes
     */
    public static Content read(byte[] bytes) {
        if (bytes.length < 8) {
            throw new TensorFormatException("safetensors file is shorter than its 8-byte header length");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
            throw new TensorFormatException("safetensors header length " + headerLength + " is out of range");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new TensorFormatException("safetensors header is not valid JSON", e);
        }
        long dataStart = 8 + headerLength;
        long dataLength = bytes.length - dataStart;
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = header.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (METADATA.equals(field.getKey())) {
                field.getValue().properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
                continue;
            }
            JsonNode node = field.getValue();
            if (!"F32".equals(node.path("dtype").asString())) {
                throw new TensorFormatException(
                        "tensor '" + field.getKey() + "' has dtype " + node.path("dtype") + "; only F32 is supported");
            }
            int[] shape = new int[node.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = node.path("shape").get(i).asInt(-1);
            }
            long begin = node.path("data_offsets").path(0).asLong(-1);
            long end = node.path("data_offsets").path(1).asLong(-1);
            long elements;
            try {
                elements = FloatTensor.elementCount(shape);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new TensorFormatException("tensor '" + field.getKey() + "' has an invalid shape");
            }
            if (begin < 0 || end > dataLength || end - begin != 4 * elements) {
                throw new TensorFormatException("tensor '" + field.getKey() + "' has inconsistent data offsets");
            }
            float[] data = new float[(int) elements];
            ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(data);
            tensors.put(field.getKey(), new FloatTensor(shape, data));
        }
        return new Content(tensors, metadata);
    }
}
