package com.fmawsss.bundle;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The few C library calls the service makes itself ({@code mallopt}, {@code setenv}, {@code getenv};
 * {@code malloc}, {@code free}, {@code mallinfo2} for tests), through the Foreign Function API. The
 * API is final from Java 22 and a preview in 21, the oldest release the service runs on, so it is
 * reached reflectively: on Java 21 every call fails with {@link UnsupportedOperationException}
 * instead of the class not loading. Native access must be enabled ({@code Enable-Native-Access:
 * ALL-UNNAMED} in the jar's manifest, {@code --enable-native-access=ALL-UNNAMED} otherwise), or the
 * JVM warns once.
 */
final class Libc {

    private static final int MALLINFO2_FIELDS = 10;

    private final Object linker;
    private final Object lookup;
    private final Class<?> memoryLayout;
    private final Class<?> memorySegment;
    private final Class<?> functionDescriptor;
    private final Object javaInt;
    private final Object javaLong;
    private final Object address;
    private final Object cString;
    private final Object autoArena;

    private Libc() throws ReflectiveOperationException {
        Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        linker = linkerClass.getMethod("nativeLinker").invoke(null);
        lookup = linkerClass.getMethod("defaultLookup").invoke(linker);
        memoryLayout = Class.forName("java.lang.foreign.MemoryLayout");
        memorySegment = Class.forName("java.lang.foreign.MemorySegment");
        functionDescriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        javaInt = valueLayout.getField("JAVA_INT").get(null);
        javaLong = valueLayout.getField("JAVA_LONG").get(null);
        address = valueLayout.getField("ADDRESS").get(null);
        // getenv's answer: an address whose target is read as a C string up to its NUL.
        Object bytes = memoryLayout.getMethod("sequenceLayout", long.class, memoryLayout)
                .invoke(null, Integer.MAX_VALUE, valueLayout.getField("JAVA_BYTE").get(null));
        cString = Class.forName("java.lang.foreign.AddressLayout").getMethod("withTargetLayout", memoryLayout).invoke(address, bytes);
        autoArena = Class.forName("java.lang.foreign.Arena").getMethod("ofAuto").invoke(null);
    }

    private static volatile Libc instance;

    static Libc get() {
        Libc libc = instance;
        if (libc == null) {
            try {
                libc = new Libc();
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new UnsupportedOperationException("the Foreign Function API is not available (Java 22 or later): " + e, e);
            }
            instance = libc;
        }
        return libc;
    }

    /** @return 1 on success, 0 when glibc refused the value */
    int mallopt(int parameter, int value) throws Throwable {
        return (int) function("mallopt", javaInt, javaInt, javaInt).invoke(parameter, value);
    }

    /** @return 0 on success */
    int setenv(String name, String value, boolean overwrite) throws Throwable {
        return (int) function("setenv", javaInt, address, address, javaInt).invoke(cString(name), cString(value), overwrite ? 1 : 0);
    }

    /** The C environment's value, which {@link System#getenv} (a copy made at start-up) does not see change. */
    Optional<String> getenv(String name) throws Throwable {
        Object pointer = function("getenv", cString, address).invoke(cString(name));
        if ((long) memorySegment.getMethod("address").invoke(pointer) == 0) {
            return Optional.empty();
        }
        return Optional.of((String) memorySegment.getMethod("getString", long.class).invoke(pointer, 0L));
    }

    long malloc(long bytes) throws Throwable {
        Object pointer = function("malloc", address, javaLong).invoke(bytes);
        return (long) memorySegment.getMethod("address").invoke(pointer);
    }

    void free(long pointer) throws Throwable {
        Object segment = memorySegment.getMethod("ofAddress", long.class).invoke(null, pointer);
        Object descriptor = descriptor(null, address);
        MethodHandle free = downcall("free", descriptor);
        free.invoke(segment);
    }

    /** glibc's {@code struct mallinfo2} as ten numbers: arena, ordblks, smblks, hblks (blocks served by mmap), hblkhd, ... */
    long[] mallinfo2() throws Throwable {
        Object[] fields = new Object[MALLINFO2_FIELDS];
        java.util.Arrays.fill(fields, javaLong);
        Object layouts = Array.newInstance(memoryLayout, MALLINFO2_FIELDS);
        for (int i = 0; i < MALLINFO2_FIELDS; i++) {
            Array.set(layouts, i, javaLong);
        }
        Object struct = memoryLayout.getMethod("structLayout", layouts.getClass()).invoke(null, layouts);
        MethodHandle handle = downcall("mallinfo2", descriptor(struct));
        Object segment = handle.invoke(Class.forName("java.lang.foreign.SegmentAllocator").cast(autoArena));
        long[] values = new long[MALLINFO2_FIELDS];
        Method get = memorySegment.getMethod("getAtIndex", Class.forName("java.lang.foreign.ValueLayout$OfLong"), long.class);
        for (int i = 0; i < MALLINFO2_FIELDS; i++) {
            values[i] = (long) get.invoke(segment, javaLong, (long) i);
        }
        return values;
    }

    private MethodHandle function(String name, Object result, Object... arguments) throws ReflectiveOperationException {
        return downcall(name, descriptor(result, arguments));
    }

    private Object descriptor(Object result, Object... arguments) throws ReflectiveOperationException {
        Object layouts = Array.newInstance(memoryLayout, arguments.length);
        for (int i = 0; i < arguments.length; i++) {
            Array.set(layouts, i, arguments[i]);
        }
        return result == null
                ? functionDescriptor.getMethod("ofVoid", layouts.getClass()).invoke(null, layouts)
                : functionDescriptor.getMethod("of", memoryLayout, layouts.getClass()).invoke(null, result, layouts);
    }

    private MethodHandle downcall(String name, Object descriptor) throws ReflectiveOperationException {
        Optional<?> symbol = (Optional<?>) Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class)
                .invoke(lookup, name);
        Object segment = symbol.orElseThrow(() -> new NoSuchMethodException("libc has no " + name));
        Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
        Object options = Array.newInstance(option, 0);
        return (MethodHandle) Class.forName("java.lang.foreign.Linker")
                .getMethod("downcallHandle", memorySegment, functionDescriptor, options.getClass())
                .invoke(linker, segment, descriptor, options);
    }

    private Object cString(String text) throws ReflectiveOperationException {
        return Class.forName("java.lang.foreign.SegmentAllocator").getMethod("allocateFrom", String.class).invoke(autoArena, text);
    }
}
