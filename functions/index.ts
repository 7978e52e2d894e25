/**
 * The app's entry point (package.json "main"): validates the configuration first, so a missing
 * setting stops the start with a message naming it, then registers every function.
 */
import { getConfig } from '../lib/config';

getConfig();

import '../activities';
import '../orchestrators';
import './addCertificate';
import './addMultipleCertificates';
import './addCertificateWithPrivateKey';
import './renewTimer';
import './renewCertificatesHttpStart';
import './listCertificates';
