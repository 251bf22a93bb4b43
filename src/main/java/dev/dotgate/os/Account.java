package dev.dotgate.os;

/**
 * A user of the system, as the C library's user database ({@code getpwnam}, so also NSS sources) knows it.
 *
 * @param name the login name
 * @param uid  its user id
 * @param gid  its primary group id, which the process takes on with the user's supplementary groups
 */
public record Account(String name, int uid, int gid) {
    /**
     * The user called {@code nameOrId} (a login name, or a numeric uid that has an entry). Throws
     * {@link IllegalArgumentException} with the reason, for the caller to put after the setting's name and value.
     */
    public static synchronized Account lookup(String nameOrId) {
        Libc libc;
        try {
            libc = Libc.get();
        } catch (UnsupportedOperationException | UnsatisfiedLinkError e) {
            throw new IllegalArgumentException("cannot be looked up: switching users " + e.getMessage());
        }
        Libc.Passwd pw = nameOrId.matches("[0-9]{1,10}")
                ? libc.getpwuid(Integer.parseUnsignedInt(nameOrId)) : libc.getpwnam(nameOrId);
        if (pw == null) {
            throw new IllegalArgumentException("is not a user on this system (create it first, e.g. "
                    + "useradd --system --no-create-home --shell /usr/sbin/nologin dotgate)");
        }
        return new Account(pw.pw_name, pw.pw_uid, pw.pw_gid);
    }

    @Override
    public String toString() {
        return name + " (uid " + Integer.toUnsignedString(uid) + ", gid " + Integer.toUnsignedString(gid) + ")";
    }
}
