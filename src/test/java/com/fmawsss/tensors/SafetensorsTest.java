package com.fmawsss.tensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {

    @Test
    void roundTripIsBitIdentical() {
        Safetensors.Content content = new Safetensors.Content(
                Map.of("b", FloatTensor.of(new float[] {1f, Float.NaN, -0f}, 3),
                        "a", FloatTensor.of(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 2, 2)),
                Map.of("note", "ünïcode ✓"));
        byte[] bytes = Safetensors.write(content);
        Safetensors.Content back = Safetensors.read(bytes);
        assertThat(back.metadata()).containsEntry("note", "ünïcode ✓");
        assertThat(back.tensors().get("a")).isEqualTo(content.tensors().get("a"));
        assertThat(Float.isNaN(back.tensors().get("b").data()[1])).isTrue();
        assertThat(Safetensors.write(back)).isEqualTo(bytes);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + headerLength + 4 * 7);
    }

    @Test
    void rejectsInconsistentFiles() {
        assertThatThrownBy(() -> Safetensors.read(new byte[4])).hasMessageContaining("shorter");
        byte[] bytes = Safetensors.write(new Safetensors.Content(Map.of("x", FloatTensor.of(new float[2], 2)), Map.of()));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 4);
        assertThatThrownBy(() -> Safetensors.read(truncated)).hasMessageContaining("offsets");
        byte[] badLength = bytes.clone();
        badLength[7] = 0x40;
        assertThatThrownBy(() -> Safetensors.read(badLength)).hasMessageContaining("out of range");
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}";
        byte[] json = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] negative = new byte[8 + json.length + 8];
        java.nio.ByteBuffer.wrap(negative).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        assertThatThrownBy(() -> Safetensors.read(negative)).isInstanceOf(TensorFormatException.class).hasMessageContaining("shape");
    }
}
