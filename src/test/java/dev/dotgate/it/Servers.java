package dev.dotgate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the real servers integration tests run against, and stops them. Register it in a test class with
 * {@code @RegisterExtension static final Servers servers = new Servers();}, then:
 * <ul>
 * <li>{@link #unbound()}: the suite's one Unbound (default zone, see {@link Unbound}), started by the first class that
 * asks and stopped when the JVM's test run ends (a close hook in JUnit's root store). Each class gets its own
 * {@link Unbound#view()}, so its query counts start at zero as a private Unbound's would;</li>
 * <li>{@link #ownUnbound(String)}: a private Unbound with extra {@code server:} lines, or for a test that kills or
 * restarts it;</li>
 * <li>{@link #gateway(UnaryOperator)}: a gateway in this JVM on loopback ports, by default forwarding to the shared
 * Unbound with a 2 s timeout, its files in a fresh directory;</li>
 * <li>{@link #dir(String)}: a fresh directory for a test's files.</li>
 * </ul>
 * What is started in {@code @BeforeAll} (or a static initializer) is stopped after the class, what a test starts is
 * stopped after that test, newest first. Tests may still close what they started themselves (closing twice is
 * harmless), e.g. in a try-with-resources block to stop a gateway in the middle of a test.
 */
public final class Servers implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Servers.class);

    private Suite suite;
    private Path classDir;
    private Unbound classView;
    private final Deque<AutoCloseable> classScope = new ArrayDeque<>();
    private final Deque<AutoCloseable> testScope = new ArrayDeque<>();
    private boolean inTest;
    private int dirs;

    /** What the whole test run shares: the default Unbound and the directory the servers' files are kept in. */
    static final class Suite implements ExtensionContext.Store.CloseableResource {
        private final Path dir;
        private Unbound unbound;

        Suite() {
            try {
                dir = Files.createTempDirectory("dotgate-it");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized Unbound unbound() throws IOException {
            if (unbound == null) {
                unbound = new Unbound(dir.resolve("unbound-shared"));
            }
            return unbound;
        }

        @Override
        public synchronized void close() throws Exception {
            if (unbound != null) {
                unbound.close();
            }
            TestFiles.deleteTree(dir);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        suite = context.getRoot().getStore(NS).getOrComputeIfAbsent(Suite.class, k -> new Suite(), Suite.class);
        classDir = Files.createDirectories(suite.dir.resolve(context.getRequiredTestClass().getSimpleName()));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        inTest = false;
        closeAll(testScope);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        closeAll(classScope);
        classView = null;
    }

    /** This class's view of the suite's shared Unbound (the same view for every call in the class). */
    public Unbound unbound() throws IOException {
        if (classView == null) {
            classView = suite().unbound().view();
        }
        return classView;
    }

    /**
     * A private Unbound with {@code extra} added to its {@code server:} section (may be empty), stopped with the
     * scope.
     */
    public Unbound ownUnbound(String extra) throws IOException {
        return closeAfter(new Unbound(dir("unbound"), extra));
    }

    /** A private Unbound on another loopback {@code address}, DoT on {@code port}. */
    public Unbound ownUnbound(String extra, String address, int port) throws IOException {
        return closeAfter(new Unbound(dir("unbound"), extra, address, port));
    }

    /** A private Unbound with the default zone: for tests that kill or restart their upstream. */
    public Unbound ownUnbound() throws IOException {
        return ownUnbound("");
    }

    /**
     * A started gateway from {@code setup} applied to a builder that forwards to the shared Unbound (its CA
     * trusted), with a 2 s upstream timeout and a fresh directory; stopped with the scope.
     */
    public GatewayFixture gateway(UnaryOperator<GatewayFixture.Builder> setup) throws Exception {
        GatewayFixture.Builder b = GatewayFixture.builder().dir(dir("gw")).upstreamOf(this::unbound);
        return closeAfter(setup.apply(b).start());
    }

    /** A started gateway with no config file, forwarding to the shared Unbound. */
    public GatewayFixture gateway() throws Exception {
        return gateway(b -> b);
    }

    /** A new, empty directory named after {@code name}, removed at the end of the run. */
    public Path dir(String name) throws IOException {
        suite(); // fails clearly when used before JUnit started the class
        return Files.createDirectories(classDir.resolve(name + "-" + (++dirs)));
    }

    /** Closes {@code resource} at the end of the current scope (the test, or the class outside a test). */
    public <T extends AutoCloseable> T closeAfter(T resource) {
        (inTest ? testScope : classScope).push(resource);
        return resource;
    }

    private Suite suite() {
        if (suite == null) {
            throw new IllegalStateException("Servers is used before JUnit started the class: register it with"
                    + " @RegisterExtension on a static field");
        }
        return suite;
    }

    private static void closeAll(Deque<AutoCloseable> scope) throws Exception {
        Exception first = null;
        while (!scope.isEmpty()) {
            try {
                scope.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
