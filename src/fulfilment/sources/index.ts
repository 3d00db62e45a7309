import { messengerSource } from "./messenger.source.js";
import type { DataSourceFactory } from "./source.js";

/**
 * The data source this deployment fulfils from and finds users to notify in. Replace it with your own
 * (README, "Plugging in your own systems"); it is the one line that ties Custodian to your systems.
 */
export const defaultSource: DataSourceFactory = messengerSource;
