package com.fmawsss.pipeline;

import com.fmawsss.progress.Progress;

/**
 * Where the stage reports of every pipeline run go besides the caller's own progress: the stage
 * timers of the metrics. Only {@link #stageDone} matters to it; it never cancels.
 */
public interface StageMetrics extends Progress {

    StageMetrics NONE = new StageMetrics() {};
}
