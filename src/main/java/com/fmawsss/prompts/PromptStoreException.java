package com.fmawsss.prompts;

/** A prompt set the {@link PromptStore} refuses to store. */
public class PromptStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a prompt set was refused. */
    public enum Reason {
        /** The version id is taken (versions are immutable). */
        VERSION_EXISTS,
        /** The version id is not a safe file name. */
        INVALID_VERSION_ID,
        /** The contexts do not fit the bundle's CLIP text width. */
        INCOMPATIBLE
    }

    private final Reason reason;

    public PromptStoreException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Returns why the set was refused. */
    public Reason reason() {
        return reason;
    }
}
