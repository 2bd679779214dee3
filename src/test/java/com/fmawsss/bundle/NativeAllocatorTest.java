package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {

    private static final String LIBC = "7f1c2a000000-7f1c2a028000 r--p 00000000 fe:01 1835 /usr/lib/x86_64-linux-gnu/libc.so.6";

    @Test
    void preloadedTcmallocIsRecognisedFromTheMappedLibraries() {
        List<String> maps = List.of(LIBC,
                "7f1c2b000000-7f1c2b010000 r-xp 00000000 fe:01 2203 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.16");
        assertThat(NativeAllocator.fromMappedLibraries(maps)).isEqualTo("tcmalloc");
    }

    @Test
    void onlyLibcMappedMeansGlibcMalloc() {
        assertThat(NativeAllocator.fromMappedLibraries(List.of(LIBC,
                "7f1c2c000000-7f1c2c100000 r-xp 00000000 fe:01 99 /opt/libtorch/lib/libtorch_cpu.so"))).isEqualTo("glibc");
    }

    @Test
    void thisProcessIsAnsweredFromItsOwnMaps() {
        String expected = String.valueOf(System.getenv("LD_PRELOAD")).contains("tcmalloc") ? "tcmalloc" : "glibc";
        assertThat(NativeAllocator.name()).isEqualTo(expected);
    }
}
