package dev.dotgate.observe.events;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens the event sink named in the configuration. */
public final class EventSinks {
    private EventSinks() {
    }

    /** {@link #open(String, int)} with {@link JsonLinesSink#DEFAULT_CAPACITY}. */
    public static EventSink open(String spec) throws IOException {
        return open(spec, JsonLinesSink.DEFAULT_CAPACITY);
    }

    /**
     * {@code off}: no events. {@code stdout}: JSON lines on standard output (its file descriptor, bypassing
     * {@code System.out} and the logger; it is flushed, not closed, at close). Anything else: a file, appended to
     * and created if missing; its directory must exist.
     *
     * @throws IOException "events: cannot open FILE: reason" when the file cannot be opened for appending
     */
    public static EventSink open(String spec, int capacity) throws IOException {
        if (spec == null || spec.isBlank()) {
            throw new IOException("events: no output given; use off, stdout or a file path");
        }
        if (spec.equals("off")) {
            return EventSink.OFF;
        }
        if (spec.equals("stdout")) {
            return new JsonLinesSink(new FileOutputStream(FileDescriptor.out), false, "stdout", capacity);
        }
        OutputStream out;
        try {
            out = Files.newOutputStream(Path.of(spec), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException | InvalidPathException e) {
            throw new IOException("events: cannot open " + spec + ": " + reason(spec, e), e);
        }
        return new JsonLinesSink(out, true, spec, capacity);
    }

    private static String reason(String spec, Exception e) {
        if (e instanceof InvalidPathException) {
            return "not a valid path (" + ((InvalidPathException) e).getReason() + ")";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            Path parent = Path.of(spec).toAbsolutePath().getParent();
            return parent != null && !Files.isDirectory(parent)
                    ? "the directory " + parent + " does not exist"
                    : "no such file or directory";
        }
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return String.valueOf(e.getMessage());
    }
}
