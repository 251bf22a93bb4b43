package dev.dotgate.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The feature packages import one another in one direction only. {@link #LAYERS} lists them lowest first: a
 * package may use the packages before it, never one after it nor another on its own step. The root package
 * ({@code dev.dotgate}: the gateway's lifecycle) sits on top with {@code cli}. Checked on the compiled main
 * classes, so a test that breaks the layering fails the build.
 */
class LayeringTest {
    /** Lowest first; the packages of one step do not import each other. */
    static final List<List<String>> LAYERS = List.of(
            List.of("wire", "os"),
            List.of("config"),
            List.of("net"),
            List.of("upstream"),
            List.of("resolve"),
            List.of("policy", "cache", "limits", "dnssec"),
            List.of("tls"),
            List.of("server"),
            List.of("observe"),
            List.of("discovery", "onboard"),
            List.of("runtime"),
            List.of("cli"));

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.dotgate");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.dotgate.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void eachPackageUsesOnlyThePackagesBelowIt() {
        for (int i = 0; i < LAYERS.size(); i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream().flatMap(List::stream)
                    .map(p -> "dev.dotgate." + p + "..").toArray(String[]::new);
            for (String p : LAYERS.get(i)) {
                String[] beside = LAYERS.get(i).stream().filter(q -> !q.equals(p))
                        .map(q -> "dev.dotgate." + q + "..").toArray(String[]::new);
                String[] forbidden = concat(above, beside);
                if (forbidden.length == 0) {
                    continue;
                }
                noClasses().that().resideInAPackage("dev.dotgate." + p + "..").should().dependOnClassesThat()
                        .resideInAnyPackage(forbidden).orShould().dependOnClassesThat()
                        .resideInAPackage("dev.dotgate").because(p + " sits below them")
                        .check(classes);
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
