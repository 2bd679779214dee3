package com.fmawsss.api.admin;

/**
 * Result of an activation.
 *
 * @param active the version now active
 * @param previous the version active before (activate it again to roll back)
 */
public record Activation(String active, String previous) {}
