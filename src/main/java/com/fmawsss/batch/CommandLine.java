package com.fmawsss.batch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of a batch command: {@code --name value}, {@code --name=value} and value-less
 * {@code --flag}s. Unknown names, repeated names, stray words and missing values are usage errors.
 */
final class CommandLine {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private CommandLine() {}

    /**
     * @param args the arguments after the command name
     * @param valued names of options that take a value (without {@code --})
     * @param flagNames names of options without a value
     */
    static CommandLine parse(List<String> args, Set<String> valued, Set<String> flagNames) {
        CommandLine line = new CommandLine();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw BatchException.usage("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (flagNames.contains(name)) {
                if (value != null) {
                    throw BatchException.usage("--" + name + " takes no value");
                }
                if (!line.flags.add(name)) {
                    throw BatchException.usage("--" + name + " is given twice");
                }
                continue;
            }
            if (!valued.contains(name)) {
                throw BatchException.usage("unknown option --" + name);
            }
            if (value == null) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw BatchException.usage("--" + name + " needs a value");
                }
                value = args.get(++i);
            }
            if (line.values.put(name, value) != null) {
                throw BatchException.usage("--" + name + " is given twice");
            }
        }
        return line;
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String required(String name) {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            throw BatchException.usage("--" + name + " is required");
        }
        return value;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /** A non-negative integer option (or environment value, named by {@code source} in errors). */
    static int nonNegative(String source, String text) {
        try {
            int value = Integer.parseInt(text.strip());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw BatchException.usage(source + " must be a whole number >= 0, got '" + text + "'");
    }
}
