package com.fmawsss.pipeline;

import com.fmawsss.sam.AmgSettings;

/**
 * The mask-generation settings a run uses and the profile name they came from ({@code official},
 * {@code fast}, ..., or {@code custom} after a grid or field override), as reported in metadata.
 */
public record AmgChoice(String profile, AmgSettings settings) {}
