package dev.dotgate.policy.local;

/**
 * A local record entry of the configuration that cannot be used. The message reads
 * "[index] 'text': problem", so the configuration loader only has to put the key in front.
 */
public final class LocalRecordException extends IllegalArgumentException {
    private final int index;
    private final String text;
    private final String problem;

    public LocalRecordException(int index, String text, String problem) {
        super("[" + index + "] '" + text + "': " + problem);
        this.index = index;
        this.text = text;
        this.problem = problem;
    }

    /** Position of the entry in the configured list, from 0. */
    public int index() {
        return index;
    }

    /** The entry as configured. */
    public String text() {
        return text;
    }

    /** What is wrong with it. */
    public String problem() {
        return problem;
    }
}
