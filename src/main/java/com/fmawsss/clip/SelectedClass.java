package com.fmawsss.clip;

/**
 * A foreground class chosen for one request.
 *
 * @param name the class name as the client gave it (canonical vocabulary spelling when known)
 * @param prompt the text put into the prompt (vocabulary prompt with synonyms, or the free text)
 * @param vocabularyIndex index in the prompt set's vocabulary, or -1 for free text
 */
public record SelectedClass(String name, String prompt, int vocabularyIndex) {}
