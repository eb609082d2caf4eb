"""User agents of attack and scanning tools, written for this project from the tools' documented
defaults (no third-party list is copied). A request carrying one is a probe whatever it asks for;
the trainer places them in benign carriers as ``attack_type`` ``scanner``.
"""

SCANNER_USER_AGENTS = (
    "sqlmap/1.7.2#stable (https://sqlmap.org)",
    "sqlmap/1.4.7#stable (http://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000562)",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "Mozilla/5.0 zgrab/0.x",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "gobuster/3.6",
    "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)",
    "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
    "Wfuzz/3.1.0",
    "ffuf/2.1.0",
    "Mozilla/5.0 (compatible; Acunetix Web Vulnerability Scanner)",
    "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0; Nessus)",
    "Mozilla/5.0 (compatible; OpenVAS-VT 22.4)",
    "w3af.org",
    "Arachni/v1.5.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0 Safari/537.36 Netsparker",
    "Fuzz Faster U Fool v2.0.0",
    "commix/v3.8 (https://commixproject.com)",
    "Hydra v9.4 (www.thc.org/thc-hydra)",
    "jaeles",
    "XSStrike/3.1.5",
    "dirsearch/0.4.3",
    "Morfeus Fucking Scanner",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
    "Mozilla/5.0 (compatible; x00_-gawa.sa.pilipinas.2015)",
    "ZmEu",
    "Mozilla/5.0 Jorgee",
)
