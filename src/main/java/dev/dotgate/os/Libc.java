package dev.dotgate.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Structure;

/** The few C library functions this package calls, bound by JNA on first use (Linux only). */
interface Libc extends Library {
    /** Loads the C library; throws {@link UnsupportedOperationException} off Linux. */
    static Libc get() {
        return Holder.LIBC;
    }

    int getuid();

    int geteuid();

    int getgid();

    int getegid();

    Passwd getpwnam(String name);

    Passwd getpwuid(int uid);

    int initgroups(String user, int group) throws LastErrorException;

    int setgid(int gid) throws LastErrorException;

    int setuid(int uid) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

    int close(int fd);

    int AF_UNIX = 1;
    int SOCK_DGRAM = 2;
    int SOCK_CLOEXEC = 02000000;

    /** {@code struct passwd} of glibc and musl on Linux. */
    @Structure.FieldOrder({"pw_name", "pw_passwd", "pw_uid", "pw_gid", "pw_gecos", "pw_dir", "pw_shell"})
    class Passwd extends Structure {
        public String pw_name;
        public String pw_passwd;
        public int pw_uid;
        public int pw_gid;
        public String pw_gecos;
        public String pw_dir;
        public String pw_shell;
    }

    /** The lazily loaded binding. */
    final class Holder {
        static final Libc LIBC = load();

        private Holder() {
        }

        private static Libc load() {
            if (!Platform.isLinux()) {
                throw new UnsupportedOperationException("is supported on Linux only");
            }
            return Native.load("c", Libc.class);
        }
    }
}
