package com.fmawsss.labeling.labelstudio;

import com.fmawsss.problems.ApiProblem;
import java.util.Map;
import org.springframework.http.HttpStatus;

/** A label config this service cannot use (422 {@code invalid-label-config}); the message says why. */
public class LabelConfigException extends ApiProblem {

    private static final long serialVersionUID = 1L;

    /** Problem type of unusable label configs. */
    public static final String INVALID_LABEL_CONFIG = "invalid-label-config";

    public LabelConfigException(String message) {
        super(HttpStatus.UNPROCESSABLE_CONTENT, INVALID_LABEL_CONFIG, "Invalid label config", message, Map.of());
    }
}
