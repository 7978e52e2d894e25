/** Importing this module registers every activity. */
import './getGatewayPublicIp';
import './checkDnsResolution';
import './createAcmeOrder';
import './getAcmeHttp01Challenges';
import './uploadChallengeFiles';
import './checkChallengeFiles';
import './answerChallenges';
import './checkOrderStatus';
import './createKeyVaultCsr';
import './finalizeOrder';
import './mergeCertificate';
import './deleteChallengeFiles';
import './deactivateAuthorizations';
import './bindGatewayListeners';
import './checkImportedCertificate';
import './listManagedCertificates';
