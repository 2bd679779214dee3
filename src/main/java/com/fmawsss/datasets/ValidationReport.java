package com.fmawsss.datasets;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of {@link DatasetValidator#validate}: every problem found, with counts per kind.
 *
 * @param dataset the dataset's name
 * @param samples number of samples
 * @param problems all problems, index problems first, then per sample in sample order
 */
public record ValidationReport(String dataset, int samples, List<DatasetProblem> problems) {

    // Summaries list at most this many problems per kind; the record keeps them all.
    private static final int SUMMARY_PER_KIND = 20;

    /** Copies the problem list. */
    public ValidationReport {
        problems = List.copyOf(problems);
    }

    /**
     * Tells whether the dataset can be used (warnings allowed).
     *
     * @return true when no problem is an error
     */
    public boolean isValid() {
        return problems.stream().noneMatch(DatasetProblem::isError);
    }

    /**
     * @return problems that make the dataset unusable
     */
    public List<DatasetProblem> errors() {
        return problems.stream().filter(DatasetProblem::isError).toList();
    }

    /**
     * @return problems that do not block a job
     */
    public List<DatasetProblem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }

    /**
     * Counts problems per kind.
     *
     * @return kinds in declaration order with their counts (kinds without problems are absent)
     */
    public Map<DatasetProblem.Kind, Long> counts() {
        return problems.stream().collect(Collectors.groupingBy(
                DatasetProblem::kind, () -> new EnumMap<>(DatasetProblem.Kind.class), Collectors.counting()));
    }

    /**
     * Returns a multi-line text: a headline with the counts, then the problems of each kind (at
     * most 20 per kind, with "... and N more").
     */
    public String summary() {
        StringBuilder out = new StringBuilder();
        long errors = errors().size();
        out.append(dataset).append(": ").append(samples).append(" samples, ")
                .append(errors).append(errors == 1 ? " error, " : " errors, ")
                .append(problems.size() - errors).append(problems.size() - errors == 1 ? " warning" : " warnings");
        for (Map.Entry<DatasetProblem.Kind, Long> count : counts().entrySet()) {
            out.append("\n").append(count.getKey()).append(" (").append(count.getValue()).append("):");
            List<DatasetProblem> ofKind = problems.stream().filter(p -> p.kind() == count.getKey()).toList();
            for (DatasetProblem p : ofKind.subList(0, Math.min(SUMMARY_PER_KIND, ofKind.size()))) {
                out.append("\n  ").append(p.location()).append(": ").append(p.message());
            }
            if (ofKind.size() > SUMMARY_PER_KIND) {
                out.append("\n  ... and ").append(ofKind.size() - SUMMARY_PER_KIND).append(" more");
            }
        }
        return out.toString();
    }

    /**
     * Throws when the dataset has errors.
     *
     * @throws InvalidDatasetException listing every problem
     */
    public ValidationReport requireValid() {
        if (!isValid()) {
            throw new InvalidDatasetException(this);
        }
        return this;
    }
}
