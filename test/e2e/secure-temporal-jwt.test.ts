import { describeSecuredFrontend } from '../helpers/secure-temporal-suite';

describeSecuredFrontend('jwt');
