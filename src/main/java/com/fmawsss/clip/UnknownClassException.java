package com.fmawsss.clip;

import java.util.List;

/** A requested class name is not in the vocabulary of a learned prompt set. */
public class UnknownClassException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> unknown;

    /**
     * @param unknown the names that were not found
     * @param promptSetId the prompt set that was asked
     */
    public UnknownClassException(List<String> unknown, String promptSetId) {
        super("unknown class" + (unknown.size() > 1 ? "es " : " ") + unknown + " for prompt set " + promptSetId);
        this.unknown = List.copyOf(unknown);
    }

    /**
     * Returns the names that were not found.
     *
     * @return the names
     */
    public List<String> unknown() {
        return unknown;
    }
}
