package com.fmawsss.datasets;

import java.util.Objects;

/**
 * One thing wrong with a dataset.
 *
 * @param kind what is wrong
 * @param location where: a sample id, {@code file:line}, or a file
 * @param message a human-readable explanation
 */
public record DatasetProblem(Kind kind, String location, String message) {

    /** Rejects missing fields. */
    public DatasetProblem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(message, "message");
    }

    /** Problem kinds; each has a fixed severity. */
    public enum Kind {
        /** The split list, annotation file or manifest is missing or unreadable as a whole. */
        MISSING_INDEX(true),
        /** A line of a split list or manifest, or an annotation entry, cannot be parsed. */
        UNREADABLE_LINE(true),
        /** A class name or mask label that is not in the vocabulary. */
        UNKNOWN_CLASS(true),
        /** A referenced path lies outside the dataset directory. */
        PATH_OUTSIDE_ROOT(true),
        /** The image file does not exist. */
        MISSING_IMAGE(true),
        /** A mask named by the dataset does not exist, or a VOC id has neither mask nor XML. */
        MISSING_MASK(true),
        /** A mask or annotation exists but cannot be decoded. */
        UNREADABLE_MASK(true),
        /** An image (decoded as a sample during validation) cannot be decoded. */
        UNREADABLE_IMAGE(true),
        /** Mask and image sizes differ (found when decoding a sample). */
        SIZE_MISMATCH(true),
        /** A sample without any foreground class (useless for training with image-level labels). */
        EMPTY_LABELS(true),
        /** The dataset has no samples at all. */
        EMPTY_DATASET(true),
        /** The same id twice; harmless for training but outputs named by id would collide. */
        DUPLICATE_ID(false),
        /** Entries deliberately left out, e.g. COCO images without annotations. */
        SKIPPED(false);

        private final boolean error;

        Kind(boolean error) {
            this.error = error;
        }

        /**
         * Tells whether this kind makes a dataset unusable.
         *
         * @return true for errors, false for warnings
         */
        public boolean isError() {
            return error;
        }
    }

    /**
     * Tells whether this problem makes the dataset unusable.
     *
     * @return {@code kind().isError()}
     */
    public boolean isError() {
        return kind.isError();
    }

    @Override
    public String toString() {
        return kind + " " + location + ": " + message;
    }
}
