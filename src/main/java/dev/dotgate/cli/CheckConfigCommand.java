package dev.dotgate.cli;

import dev.dotgate.config.ConfigException;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.policy.PolicyLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code dotgate check-config FILE}. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class, description = "Validate a config file and print the effective settings.")
final class CheckConfigCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the TOML config file")
    Path file;

    @Override
    public Integer call() {
        try {
            GatewayConfig config = ConfigLoader.load(file, ConfigLoader.Overrides.none(), PolicyLoader::check);
            spec.commandLine().getOut().print(config.toToml());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("dotgate: " + e.getMessage());
            return 2;
        }
    }
}
