/**
 * What the operating system is asked directly, where Java has no API: who the process runs as ({@link ProcessUser}),
 * the switch from root to another user once the ports are bound ({@link UserSwitch}, {@link Account}) and the
 * state messages systemd reads from its notify socket ({@link SystemdNotify}). The calls go through JNA to the C
 * library, loaded on first use; everything here is Linux-only and says so elsewhere.
 */
package dev.dotgate.os;
