package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    @Test
    void tunedGlibcServesLargeBlocksFromItsHeapAndAsksLibtorchForHugePages() throws Throwable {
        assumeTrue("glibc".equals(NativeAllocator.name()), "this JVM runs on another allocator");
        assumeFalse("false".equalsIgnoreCase(System.getenv(NativeAllocator.TUNING_SWITCH)), "tuning switched off");
        assertThat(NativeAllocator.tuneGlibc()).isTrue();
        Libc libc = Libc.get();
        assertThat(libc.getenv("THP_MEM_ALLOC_ENABLE")).contains(System.getenv().getOrDefault("THP_MEM_ALLOC_ENABLE", "1"));
        int hblks = 3; // mallinfo2's count of blocks served by mmap
        long before = libc.mallinfo2()[hblks];
        // 48 MB: an SAM encoder intermediate, above glibc's largest mmap threshold (32 MB).
        long block = libc.malloc(48L << 20);
        long during = libc.mallinfo2()[hblks];
        libc.free(block);
        assertThat(block).isNotZero();
        assertThat(during).as("blocks served by mmap while 48 MB are held").isEqualTo(before);
    }

    @Test
    void untunedGlibcWouldHaveMappedTheBlock() throws Throwable {
        // The check above can fail: before tuning (or with M_MMAP_MAX back at its default) glibc maps it.
        assumeTrue("glibc".equals(NativeAllocator.name()), "this JVM runs on another allocator");
        Libc libc = Libc.get();
        int mmapMax = -4;
        boolean tuned = NativeAllocator.tuneGlibc();
        assertThat(libc.mallopt(mmapMax, 65536)).isEqualTo(1); // glibc's default

        try {
            long before = libc.mallinfo2()[3];
            long block = libc.malloc(48L << 20);
            long during = libc.mallinfo2()[3];
            libc.free(block);
            assertThat(during).isEqualTo(before + 1);
        } finally {
            if (tuned) {
                libc.mallopt(mmapMax, 0);
            }
        }
    }
}
