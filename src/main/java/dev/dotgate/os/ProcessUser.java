package dev.dotgate.os;

/** Who this process runs as. */
public final class ProcessUser {
    private ProcessUser() {
    }

    /**
     * Whether the process runs with root's effective user id. Off Linux (where this package cannot switch users)
     * it answers by the JVM's {@code user.name}.
     */
    public static boolean isRoot() {
        try {
            return Libc.get().geteuid() == 0;
        } catch (UnsupportedOperationException | UnsatisfiedLinkError e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The effective user id (Linux). */
    public static int effectiveUid() {
        return Libc.get().geteuid();
    }
}
