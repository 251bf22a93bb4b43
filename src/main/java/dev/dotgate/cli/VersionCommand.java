package dev.dotgate.cli;

import dev.dotgate.net.Transports;
import dev.dotgate.tls.TlsProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dotgate version}. */
@Command(name = "version", mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class, description = "Print the version, the I/O transport and the TLS provider.")
final class VersionCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static String version() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("/dotgate-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public void run() {
        spec.commandLine().getOut().println("dotgate " + version() + " (java " + System.getProperty("java.version")
                + ", " + Transports.name() + ", TLS: " + TlsProvider.describe() + ")");
    }

    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dotgate " + version()};
        }
    }
}
