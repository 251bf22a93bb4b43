package dev.dotgate.onboard;

/** What the user does on the phone or Mac, step by step, to install the profile served at a URL. */
public final class InstallSteps {
    private InstallSteps() {
    }

    /**
     * @param url        where the profile is served
     * @param withCa     whether the profile carries the local CA (then iOS needs the full-trust step)
     * @param serverName the DNS server name the device will show
     * @param protocol   "DNS-over-TLS" or "DNS-over-HTTPS"
     */
    public static String text(String url, boolean withCa, String serverName, String protocol) {
        StringBuilder sb = new StringBuilder();
        sb.append("iPhone / iPad:\n");
        int step = 1;
        sb.append("  ").append(step++).append(". Scan the QR code with the Camera, or open ").append(url)
                .append(" in Safari (other browsers cannot install profiles). Tap Allow when asked to download a"
                        + " configuration profile.\n");
        sb.append("  ").append(step++).append(". Open Settings > Profile Downloaded (or Settings > General > VPN &"
                + " Device Management) and tap Install, then enter the passcode and tap Install again.\n");
        if (withCa) {
            sb.append("  ").append(step++).append(". Settings > General > About > Certificate Trust Settings: turn on"
                    + " full trust for \"dotgate local CA\". iOS does not trust a root installed by hand until you do,"
                    + " and " + protocol + " to the gateway fails without it.\n");
        }
        sb.append("  ").append(step).append(". Settings > General > VPN & Device Management > DNS now shows \"")
                .append("Encrypted DNS via ").append(serverName).append("\"; it is in use when selected there.\n");
        sb.append("Mac:\n");
        sb.append("  1. Open the URL (or double-click the .mobileconfig file), then System Settings > Privacy & Security"
                + " > Profiles (on newer macOS: System Settings > General > Device Management), double-click the profile and"
                + " click Install.\n");
        if (withCa) {
            sb.append("  2. The CA lands in the System keychain. If " + protocol + " still fails, open Keychain Access,"
                    + " double-click \"dotgate local CA\" and set Trust to Always Trust.\n");
        }
        sb.append("To remove: the same Profiles / VPN & Device Management page, the profile, Remove.\n");
        return sb.toString();
    }
}
