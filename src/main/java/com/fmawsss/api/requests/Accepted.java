package com.fmawsss.api.requests;

import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** The {@code 202 Accepted} answer to {@code Prefer: respond-async}: where to poll, and when. */
public final class Accepted {

    private Accepted() {}

    public static ResponseEntity<RequestStatus> of(RequestStatus status) {
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create(status.location()))
                .header("Preference-Applied", "respond-async")
                .header(HttpHeaders.RETRY_AFTER, Long.toString(status.pollAfterSeconds()))
                .contentType(MediaType.APPLICATION_JSON)
                .body(status);
    }
}
