/**
 * DNSSEC validation of forwarded answers ({@code [dnssec] mode = "validate"}): the {@link DnssecStage} between the
 * cache and forwarding, dnsjava's validator over the gateway's own upstreams ({@link ChainLookup}), the trust
 * anchors ({@link TrustAnchors}) and the negative ones.
 */
package dev.dotgate.dnssec;
