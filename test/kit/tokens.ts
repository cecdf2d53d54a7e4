// The testing kit's token signer (nestjs-realtime/testing), under the suite's names.
export {
  signTestToken as signToken,
  TEST_JWT_SECRET as TEST_SECRET,
} from '../../lib/testing/index.js';
