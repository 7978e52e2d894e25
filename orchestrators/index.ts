/** Importing this module registers every orchestrator. */
import './issueCertificate';
import './issueCertificates';
import './importCertificate';
import './renewCertificates';
import './gatewayQueueEntity';
import './certificateClaimEntity';
import './acmeOrderLedgerEntity';
