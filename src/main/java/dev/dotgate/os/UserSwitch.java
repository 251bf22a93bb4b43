package dev.dotgate.os;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gives up root for another user, for good: the process (every thread, the C library sees to that) takes the
 * user's uid, primary gid and supplementary groups as real, effective and saved ids, which also clears every
 * capability, so nothing can take root back. Made once the listening sockets are bound.
 */
public final class UserSwitch {
    private UserSwitch() {
    }

    /**
     * Hands {@code handOver} (each path, recursively, links not followed) to {@code account}, then switches to it and
     * checks that the switch holds on every thread and cannot be undone. When the process already runs as
     * {@code account} there is nothing to do; when it is neither root nor that user it cannot switch. Throws
     * {@link UserSwitchException} saying what failed.
     */
    public static void to(Account account, List<Path> handOver) {
        Libc libc = Libc.get();
        int euid = libc.geteuid();
        if (euid == account.uid() && libc.getuid() == account.uid()) {
            return;
        }
        if (euid != 0) {
            throw new UserSwitchException("switching to user " + account.name() + " needs root (running as uid "
                    + Integer.toUnsignedString(euid) + "); leave out --user, or start as root");
        }
        for (Path p : handOver) {
            handOver(p, account);
        }
        try {
            libc.initgroups(account.name(), account.gid());
            libc.setgid(account.gid());
            libc.setuid(account.uid());
        } catch (LastErrorException e) {
            throw new UserSwitchException("cannot switch to user " + account + ": " + e.getMessage());
        }
        check(libc, account);
    }

    private static void handOver(Path root, Account account) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (!Integer.valueOf(account.uid()).equals(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                        || !Integer.valueOf(account.gid())
                                .equals(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))) {
                    Files.setAttribute(p, "unix:uid", account.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", account.gid(), LinkOption.NOFOLLOW_LINKS);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new UserSwitchException("cannot hand " + root + " over to user " + account.name() + ": " + e);
        }
    }

    /** Every id of every thread is the account's, and root cannot be taken back. */
    private static void check(Libc libc, Account account) {
        if (libc.getuid() != account.uid() || libc.geteuid() != account.uid() || libc.getgid() != account.gid()
                || libc.getegid() != account.gid()) {
            throw new UserSwitchException("switched to user " + account + " but the process still has uid "
                    + libc.getuid() + "/" + libc.geteuid() + ", gid " + libc.getgid() + "/" + libc.getegid());
        }
        try {
            libc.setuid(0);
            throw new UserSwitchException("switched to user " + account + " but could take root back");
        } catch (LastErrorException expected) {
            // EPERM: as it should be
        }
        String wanted = Integer.toUnsignedString(account.uid());
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String[] uids = ProcessUser.uids(task.resolve("status")); // null: the thread ended meanwhile
                if (uids != null && (uids.length != 4 || !Arrays.stream(uids).allMatch(wanted::equals))) {
                    throw new UserSwitchException("switched to user " + account + " but thread " + task.getFileName()
                            + " still has uids " + String.join(" ", uids));
                }
            }
        } catch (IOException e) {
            // no /proc: the C library's own switch of every thread is all there is to go by
        }
    }
}
