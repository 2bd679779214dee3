package com.fmawsss.api.requests;

import java.util.Locale;

/** Where an asynchronous request is in its life. */
enum AsyncState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED;

    boolean finished() {
        return this != QUEUED && this != RUNNING;
    }

    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
