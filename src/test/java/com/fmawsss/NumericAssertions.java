package com.fmawsss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Numeric comparison helpers for reference-equivalence tests. */
public final class NumericAssertions {

    private NumericAssertions() {}

    /**
     * Asserts {@code max|actual - expected| <= rel * max|expected|}.
     *
     * @param what name for the failure message
     * @param expected reference values (must not be all zero)
     * @param actual computed values
     * @param rel relative tolerance
     */
    public static void assertRelativeClose(String what, float[] expected, float[] actual, double rel) {
        assertTrue(expected.length == actual.length, what + ": length " + actual.length + " != " + expected.length);
        double scale = 0;
        double error = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            error = Math.max(error, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(scale > 0, what + ": reference is all zeros");
        // Reported in the surefire output so closing notes can quote measured errors.
        System.out.printf("%s: max |error| / max |reference| = %.2e%n", what, error / scale);
        double limit = rel * scale;
        double finalError = error;
        double finalScale = scale;
        assertTrue(error <= limit, () -> what + ": max abs error " + finalError + " > " + rel + " x " + finalScale);
    }

    /**
     * Asserts two integer arrays are identical.
     *
     * @param what name for the failure message
     * @param expected reference
     * @param actual computed
     */
    public static void assertSame(String what, int[] expected, int[] actual) {
        assertArrayEquals(expected, actual, what);
    }
}
