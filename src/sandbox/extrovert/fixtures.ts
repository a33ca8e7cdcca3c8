/** Records the Extrovert simulator keeps, and the fixtures it always has (docs/design.md §8). */

export interface TeamMember {
  id: string;
  createdAt: string;
  updatedAt: string;
  firstName: string;
  lastName: string;
  name: string;
  /** One of the documented registrationType filter values [D]. */
  registrationType: string;
  notifyAboutNewPosts: boolean;
  notifyAboutNewDms: boolean;
  isDmHistorySynced: boolean;
  linkedInProfile: Record<string, unknown>;
  selectedWorkspaceSettings: Record<string, unknown>;
}

export interface StyleRecord {
  id: string;
  userId: string;
  name: string;
  isLearningModeEnabled: boolean;
  styleInstructionsForComments?: string;
  styleInstructionsForDm?: string;
  createdAt: string;
  updatedAt: string;
}

export interface ContextRecord {
  id: string;
  userId: string;
  name: string;
  contextAboutCompany: string;
  contextAboutUser: string;
  createdAt: string;
  updatedAt: string;
}

export interface TopicRecord {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

/** Write shape + id, ownerId, type, status, createdAt, updatedAt (simulator-only read, src/providers/extrovert/README.md §5 [A]). */
export interface CampaignRecord {
  id: string;
  ownerId: string;
  type: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export const FIXTURE_IDS = {
  owner: "e0000000-0000-4000-8000-000000000001",
  style: "e0000000-0000-4000-8000-000000000002",
  context: "e0000000-0000-4000-8000-000000000003",
  topic: "e0000000-0000-4000-8000-000000000004",
} as const;

const FIXTURE_TIME = "2025-01-06T09:00:00.000Z";

export function fixtureTeamMembers(): TeamMember[] {
  const id = FIXTURE_IDS.owner;
  return [
    {
      id,
      createdAt: FIXTURE_TIME,
      updatedAt: FIXTURE_TIME,
      firstName: "Sandra",
      lastName: "Box",
      name: "Sandra Box",
      registrationType: "NEW_USER_SIGNUP",
      notifyAboutNewPosts: true,
      notifyAboutNewDms: true,
      isDmHistorySynced: true,
      linkedInProfile: {
        id: "e0000000-0000-4000-8000-0000000000a1",
        name: "Sandra Box",
        email: "sandra.box@example.com",
        avatarUrl: "https://example.com/avatars/sandra-box.png",
        linkedInUrl: "https://www.linkedin.com/in/sandra-box-example",
        headline: "Head of Growth at Example Corp",
      },
      selectedWorkspaceSettings: {
        id: "e0000000-0000-4000-8000-0000000000b1",
        isCreator: true,
        isLinkedInProfileConnected: true,
        role: "ADMIN",
        user: { id, name: "Sandra Box" },
      },
    },
  ];
}

export function fixtureStyles(): StyleRecord[] {
  return [
    {
      id: FIXTURE_IDS.style,
      userId: FIXTURE_IDS.owner,
      name: "Friendly expert",
      isLearningModeEnabled: false,
      styleInstructionsForComments: "Short, warm, specific to the post; no emojis; never pitch.",
      styleInstructionsForDm: "Two sentences at most; reference the post that started the conversation.",
      createdAt: FIXTURE_TIME,
      updatedAt: FIXTURE_TIME,
    },
  ];
}

export function fixtureContexts(): ContextRecord[] {
  return [
    {
      id: FIXTURE_IDS.context,
      userId: FIXTURE_IDS.owner,
      name: "Example Corp",
      contextAboutCompany: "Example Corp sells workflow automation to mid-size B2B teams.",
      contextAboutUser: "Sandra leads growth at Example Corp and writes about outbound.",
      createdAt: FIXTURE_TIME,
      updatedAt: FIXTURE_TIME,
    },
  ];
}

export function fixtureTopics(): TopicRecord[] {
  return [
    {
      id: FIXTURE_IDS.topic,
      ownerId: FIXTURE_IDS.owner,
      name: "AI agents",
      description: "Posts about building or deploying AI agents in sales and support; excludes job ads.",
      createdAt: FIXTURE_TIME,
      updatedAt: FIXTURE_TIME,
    },
  ];
}
