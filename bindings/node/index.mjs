// The ESM entry point: the CommonJS module (index.cjs) re-exported, so an
// app that both imports and requires the package loads the library once
// and shares one set of classes (instanceof works across both).
import rh from "./index.cjs";

export const {
  constants, version, isTestEvent, ReplicerHooksError, InvalidArgumentError, NotFoundError,
  StorageError, FullError, StateError, mintPortalLink, verifyPortalToken, Portal, portalListener,
  sign, verify, sqlite, postgresql, Context, Emitter,
} = rh;
export default rh;
