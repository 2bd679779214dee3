package com.fmawsss.api.admin;

import java.util.List;

/**
 * All prompt versions.
 *
 * @param active id of the active version
 * @param versions every version, sorted by id
 */
public record PromptVersionList(String active, List<PromptVersionView> versions) {}
