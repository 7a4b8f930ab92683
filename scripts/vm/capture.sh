#!/bin/sh
# capture.sh: the in-VM half of the dissector test (check.sh runs it on the stock kernel, with
# the module loaded).  tools/capture/traffic exchanges af_custom traffic of every socket type
# and sends malformed frames over a veth pair while afc_pcap captures it: one KTAP block.  Then
# the capture itself, base64 between AFC-PCAP-BEGIN and AFC-PCAP-END lines outside any block
# (results.py skips them), for scripts/host/dissector_test.sh to decode with tshark.
pcap=/tmp/afc-capture.pcap
rc=0
rm -f "$pcap"
echo "AFC-BEGIN capture traffic"
/afc/bin/capture/traffic /afc/bin/afc_pcap "$pcap" || rc=1
echo "AFC-END"
if [ -s "$pcap" ]; then
	echo "AFC-PCAP-BEGIN"
	base64 "$pcap"
	echo "AFC-PCAP-END"
fi
rm -f "$pcap"
exit $rc
