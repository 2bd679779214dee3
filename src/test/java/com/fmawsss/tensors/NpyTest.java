package com.fmawsss.tensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NpyTest {

    private static byte[] npy(String header, int payloadBytes) {
        String padded = header + " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        byte[] out = new byte[10 + padded.length() + payloadBytes];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) padded.length(), (byte) (padded.length() >> 8)};
        System.arraycopy(magic, 0, out, 0, 10);
        System.arraycopy(padded.getBytes(StandardCharsets.ISO_8859_1), 0, out, 10, padded.length());
        return out;
    }

    @Test
    void floatTensorRoundTripsWithShapeAndValues() {
        FloatTensor tensor = FloatTensor.of(new float[] {1.5f, -2f, 3.25f, Float.MIN_VALUE, 0f, 7f}, 2, 3);
        byte[] bytes = Npy.write(NpyArray.of(tensor));
        assertThat((bytes.length - 24) % 64).isZero();
        String header = new String(bytes, 10, bytes.length - 10 - 24, StandardCharsets.ISO_8859_1);
        assertThat(header).contains("'descr': '<f4'").contains("'shape': (2, 3)").contains("'fortran_order': False");
        assertThat(Npy.read(bytes, 100).toFloatTensor()).isEqualTo(tensor);
    }

    @Test
    void oneDimensionalShapeUsesTupleComma() {
        byte[] bytes = Npy.write(NpyArray.ofInt64(new long[] {4, 5}, 2));
        assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).contains("'shape': (2,)");
        NpyArray back = Npy.read(bytes, 10);
        assertThat(back.dtype()).isEqualTo("<i8");
        assertThat(back.shape()).containsExactly(2);
    }

    @Test
    void uint8ValuesAreUnsigned() {
        NpyArray array = NpyArray.ofUint8(new byte[] {0, (byte) 200, (byte) 255}, 3);
        assertThat(Npy.read(Npy.write(array), 3).toUnsignedBytes()).containsExactly(0, 200, 255);
    }

    @Test
    void rejectsMalformedStreams() {
        byte[] valid = Npy.write(NpyArray.of(FloatTensor.of(new float[4], 2, 2)));
        assertThatThrownBy(() -> Npy.read(new byte[0], 10)).hasMessageContaining("preamble");
        byte[] badMagic = valid.clone();
        badMagic[1] = 'X';
        assertThatThrownBy(() -> Npy.read(badMagic, 10)).hasMessageContaining("magic");
        assertThatThrownBy(() -> Npy.read(Arrays.copyOf(valid, valid.length - 1), 10)).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Npy.read(Arrays.copyOf(valid, valid.length + 1), 10)).hasMessageContaining("longer");
        assertThatThrownBy(() -> Npy.read(valid, 3)).hasMessageContaining("limit of 3");
        byte[] fortran = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
        assertThatThrownBy(() -> Npy.read(fortran, 10)).hasMessageContaining("Fortran");
        byte[] bigEndian = npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4);
        assertThatThrownBy(() -> Npy.read(bigEndian, 10)).hasMessageContaining("'>f4'");
        byte[] objects = npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8);
        assertThatThrownBy(() -> Npy.read(objects, 10)).hasMessageContaining("unsupported");
        byte[] negative = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 0);
        assertThatThrownBy(() -> Npy.read(negative, 10)).hasMessageContaining("not a dimension");
        byte[] huge = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", 0);
        assertThatThrownBy(() -> Npy.read(huge, 1_000_000)).isInstanceOf(TensorFormatException.class);
    }

    @Test
    void floatReaderRefusesOtherDtypes() {
        NpyArray doubles = new NpyArray("<f8", new int[] {1}, new byte[8]);
        assertThatThrownBy(doubles::toFloatTensor).hasMessageContaining("float32");
    }

    @Test
    void npzRoundTripKeepsOrderAndNames() {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("raw", NpyArray.of(FloatTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3)));
        arrays.put("refined", NpyArray.of(FloatTensor.of(new float[] {6, 5, 4, 3, 2, 1}, 1, 2, 3)));
        Map<String, NpyArray> back = Npz.read(Npz.write(arrays), 100);
        assertThat(back).containsExactlyEntriesOf(arrays);
        assertThat(Npz.write(arrays)).isEqualTo(Npz.write(back));
    }

    @Test
    void npzRejectsGarbageAndBudgetOverflow() {
        assertThatThrownBy(() -> Npz.read(new byte[] {1, 2, 3}, 10)).isInstanceOf(TensorFormatException.class);
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("a", NpyArray.of(FloatTensor.of(new float[6], 6)));
        arrays.put("b", NpyArray.of(FloatTensor.of(new float[6], 6)));
        assertThatThrownBy(() -> Npz.read(Npz.write(arrays), 10)).hasMessageContaining("limit");
    }
}
