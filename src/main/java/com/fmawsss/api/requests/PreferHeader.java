package com.fmawsss.api.requests;

import java.util.List;
import java.util.Locale;

/** The {@code Prefer} request header (RFC 7240): only the {@code respond-async} preference matters here. */
public final class PreferHeader {

    private PreferHeader() {}

    /** Whether any of the header's values holds the {@code respond-async} preference (parameters ignored). */
    public static boolean respondAsync(List<String> values) {
        if (values == null) {
            return false;
        }
        for (String value : values) {
            for (String preference : value.split(",")) {
                String token = preference.split(";", 2)[0].split("=", 2)[0].strip().toLowerCase(Locale.ROOT);
                if (token.equals("respond-async")) {
                    return true;
                }
            }
        }
        return false;
    }
}
