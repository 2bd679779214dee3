package com.fmawsss.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import javax.imageio.IIOException;
import org.junit.jupiter.api.Test;

/** The stream reads like any ImageIO stream but stops a decoder that loops past the end. */
class BoundedImageInputStreamTest {

    @Test
    void readsSeeksAndReportsTheEnd() throws Exception {
        BoundedImageInputStream in = new BoundedImageInputStream(new byte[] {1, 2, 3, (byte) 0xff});

        assertThat(in.length()).isEqualTo(4);
        assertThat(in.readShort()).isEqualTo((short) 0x0102);
        in.seek(3);
        assertThat(in.read()).isEqualTo(0xff);
        assertThat(in.read()).isEqualTo(-1);
        in.seek(0);
        byte[] buffer = new byte[8];
        assertThat(in.read(buffer, 0, 8)).isEqualTo(4);
        assertThat(buffer).startsWith(1, 2, 3, (byte) 0xff);
        assertThatThrownBy(in::readByte).isInstanceOf(EOFException.class);
    }

    @Test
    void tooManyReadsPastTheEndFail() throws Exception {
        BoundedImageInputStream in = new BoundedImageInputStream(new byte[] {7});
        in.seek(1);
        for (int i = 0; i < BoundedImageInputStream.MAX_READS_PAST_END; i++) {
            assertThat(in.read()).isEqualTo(-1);
        }

        assertThatThrownBy(in::read).isInstanceOf(IIOException.class)
                .hasMessage("the decoder kept reading past the end of the data");
    }
}
