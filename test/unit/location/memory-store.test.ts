import { MemoryLocationStore, type MemoryLocationData } from '../../../src/location/index.js';
import { locationStoreContract } from '../../contract/location-store.contract.js';

locationStoreContract('memory', async () => {
  const data: MemoryLocationData = new Map();
  return {
    open: async () => new MemoryLocationStore({ data }),
    dispose: async () => data.clear(),
  };
});
